/**
 * Value checks for the config schema. Each check throws a plain Error whose message is
 * the reason (convict prefixes the key); each coercion turns an env string into the typed
 * value, or leaves it as it is so the check rejects it with a clear reason.
 */
import { isIP } from 'node:net';
import convict from 'convict';
import { parseDeviceList, parseJsonArrayText, UnusableEnvText } from './devices.js';
import { parseProfilesConfig } from '../profiles/profile.js';
import { parseSchedulesConfig } from '../jobs/schedule-config.js';
import { parseButtonsConfig } from '../triggers/button-config.js';
import { parseProtocolPreference } from './protocol-preference.js';
import { parseTargetsConfig } from '../storage/targets/target-config.js';

/** Names of the custom convict formats this schema uses. */
export const FORMAT = {
  boolean: 'scan2mqtt-boolean',
  integer: 'scan2mqtt-integer',
  mqttUrl: 'scan2mqtt-mqtt-url',
  mqttTopic: 'scan2mqtt-mqtt-topic',
  identifier: 'scan2mqtt-identifier',
  text: 'scan2mqtt-text',
  nonEmptyText: 'scan2mqtt-non-empty-text',
  filenameTemplate: 'scan2mqtt-filename-template',
  sanedHosts: 'scan2mqtt-saned-hosts',
  devices: 'scan2mqtt-devices',
  profiles: 'scan2mqtt-profiles',
  targets: 'scan2mqtt-targets',
  schedules: 'scan2mqtt-schedules',
  buttons: 'scan2mqtt-buttons',
  protocolPreference: 'scan2mqtt-protocol-preference',
  logLevel: 'scan2mqtt-log-level',
  pretty: 'scan2mqtt-pretty',
  scannerIds: 'scan2mqtt-scanner-ids',
  cidrs: 'scan2mqtt-cidrs',
  ipAddress: 'scan2mqtt-ip-address',
} as const;

/** URL schemes MQTT.js connects with. */
export const MQTT_URL_SCHEMES: readonly string[] = ['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ssl:', 'ws:', 'wss:'];
/** pino levels plus `silent`. */
export const LOG_LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
/** Placeholders the storage filename template may use (CONTRACT.md "Storage"). */
export const FILENAME_PLACEHOLDERS: readonly string[] = ['scanner', 'date', 'time', 'job', 'page', 'ext'];
/** The saned port (IANA `sane-port`). */
export const SANED_DEFAULT_PORT = 6566;

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);
// C0 controls and DEL: never meaningful in a topic, path or id, and they garble logs.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function fail(reason: string): never {
  throw new Error(reason);
}

/** Accepts only real booleans; the env words true/false/yes/no/on/off/1/0 are coerced. */
export function checkBoolean(value: unknown): void {
  if (typeof value !== 'boolean') fail('must be true or false');
}

/** Turns an env word into a boolean; convict's own coercion reads every non-"false" word as true. */
export function coerceBoolean(text: string): unknown {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return text;
}

/** An integer within the schema item's `min`/`max`. */
export function checkInteger(value: unknown, item: { min?: number; max?: number }): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail('must be an integer');
  if (item.min !== undefined && value < item.min) fail(`must be at least ${item.min}`);
  if (item.max !== undefined && value > item.max) fail(`must be at most ${item.max}`);
}

/** Decimal digits only; `10abc` stays a string so the check names it instead of reading 10. */
export function coerceInteger(text: string): unknown {
  const trimmed = text.trim();
  return /^-?\d{1,15}$/.test(trimmed) ? Number(trimmed) : text;
}

/** Any string without control characters. */
export function checkText(value: unknown): void {
  if (typeof value !== 'string') fail('must be a string');
  if (CONTROL_CHARS.test(value)) fail('must not contain control characters');
}

/** A string that is not empty. */
export function checkNonEmptyText(value: unknown): void {
  checkText(value);
  if ((value as string).trim() === '') fail('must not be empty');
}

/** A broker URL MQTT.js understands. */
export function checkMqttUrl(value: unknown): void {
  checkNonEmptyText(value);
  let url: URL;
  try {
    url = new URL(value as string);
  } catch {
    fail('must be a URL such as mqtt://host:1883');
  }
  if (!MQTT_URL_SCHEMES.includes(url.protocol)) {
    fail(`must use one of ${MQTT_URL_SCHEMES.map((s) => s + '//').join(' ')}`);
  }
  if (url.hostname === '') fail('must name a host');
}

/** A topic the gateway publishes under: no wildcards, no `$` (broker-reserved), no empty levels. */
export function checkMqttTopic(value: unknown): void {
  checkNonEmptyText(value);
  const topic = value as string;
  if (/[#+]/.test(topic)) fail('must not contain the MQTT wildcards "#" or "+"');
  if (topic.startsWith('/') || topic.endsWith('/')) fail('must not start or end with "/"');
  if (topic.includes('//')) fail('must not contain an empty level ("//")');
  if (topic.startsWith('$')) fail('must not start with "$" (reserved for the broker)');
}

/** Letters, digits, `_` and `-`: safe inside HA unique ids and topics. Empty means unset. */
export function checkIdentifier(value: unknown): void {
  checkText(value);
  if (!/^[A-Za-z0-9_-]*$/.test(value as string)) fail('may only contain letters, digits, "_" and "-"');
}

/** An IPv4 or IPv6 address, or empty (not set); names are refused so a listen or trust decision never waits on DNS. */
export function checkIpAddress(value: unknown): void {
  checkText(value);
  if (value !== '' && isIP(value as string) === 0) fail('must be an IPv4 or IPv6 address, or empty');
}

/** A relative filename pattern with known `{placeholders}` that cannot leave the storage folder. */
export function checkFilenameTemplate(value: unknown): void {
  checkNonEmptyText(value);
  const template = value as string;
  const outside = template.replace(/\{([a-z]+)\}/g, (match, name: string) => {
    if (!FILENAME_PLACEHOLDERS.includes(name)) {
      fail(`unknown placeholder {${name}}; known: ${FILENAME_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`);
    }
    return 'x';
  });
  if (/[{}]/.test(outside)) fail('has an unbalanced "{" or "}"');
  if (template.startsWith('/') || /^[A-Za-z]:/.test(template)) fail('must be relative to storage.folder');
  if (template.split(/[\\/]/).some((part) => part === '..')) fail('must not contain ".." (it could leave the folder)');
}

/** `sane://host[:port]` — a saned host whose every exported device is offered. */
export function checkSanedHost(text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    fail('must be a URL such as sane://192.0.2.9:6566');
  }
  if (url.protocol !== 'sane:') fail('must start with sane://');
  if (url.hostname === '') fail('must name a host');
  if (url.username !== '' || url.password !== '') fail('must not carry credentials (use devices[] for saned auth)');
  if (url.pathname !== '' && url.pathname !== '/') fail('must not name a device (list single devices under devices[])');
  if (url.search !== '' || url.hash !== '') fail('must not have a query or fragment');
}

/** A list of saned hosts; the failing entry is named by index. */
export function checkSanedHosts(value: unknown): void {
  if (value instanceof UnusableEnvText) fail(value.reason);
  if (!Array.isArray(value)) fail('must be a list of sane://host[:port] URLs');
  value.forEach((entry: unknown, index) => {
    try {
      if (typeof entry !== 'string') fail('must be a string');
      checkSanedHost(entry);
    } catch (error) {
      fail(`[${index}]: ${(error as Error).message}`);
    }
  });
}

/** From env: a JSON array, or a comma-separated list. */
export function coerceStringList(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return parseJsonArrayText(trimmed);
  return trimmed.split(',').map((part) => part.trim()).filter((part) => part !== '');
}

/** The hand-listed devices; `parseDeviceList` names the entry and field at fault. */
export function checkDevices(value: unknown): void {
  parseDeviceList(value);
}

/** From env (`SCAN2MQTT_DEVICES`): a JSON array. Bad JSON is kept as a marker the check reports. */
export function coerceDevices(text: string): unknown {
  return parseJsonArrayText(text);
}

/**
 * Checks a keyed section (`profiles`, `targets`) with its parser. The parsers name the
 * key in full (`profiles.document.resolution: ...`); convict prefixes the section again,
 * which load.ts folds back into one name.
 */
function checkKeyedSection(parse: (value: unknown) => unknown): (value: unknown) => void {
  return (value) => {
    if (value instanceof UnusableEnvText) fail(value.reason);
    parse(value);
  };
}

/** The `profiles` section (see src/profiles/profile.ts). */
export const checkProfiles = checkKeyedSection(parseProfilesConfig);
/** The `targets` section (see src/storage/targets/target-config.ts). */
export const checkTargets = checkKeyedSection(parseTargetsConfig);
/** The `schedules` list (see src/jobs/schedule-config.ts). */
export const checkSchedules = checkKeyedSection(parseSchedulesConfig);
/** The `buttons` list (see src/triggers/button-config.ts). */
export const checkButtons = checkKeyedSection(parseButtonsConfig);

/** The `protocol_preference` map (see src/config/protocol-preference.ts). */
export const checkProtocolPreference = checkKeyedSection(parseProtocolPreference);

/** From env: a JSON object (`SCAN2MQTT_PROFILES='{"photo":{...}}'`). */
export function coerceJsonObject(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (error) {
    return new UnusableEnvText(`is not valid JSON (${(error as Error).message})`);
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : new UnusableEnvText('must be a JSON object keyed by name');
}

/** One of the pino levels. */
export function checkLogLevel(value: unknown): void {
  if (typeof value !== 'string' || !LOG_LEVELS.includes(value)) fail(`must be one of ${LOG_LEVELS.join(', ')}`);
}

/** `auto`, `true` or `false`; YAML booleans are accepted too. */
export function checkPretty(value: unknown): void {
  if (typeof value === 'boolean') return;
  if (value !== 'auto' && value !== 'true' && value !== 'false') fail('must be auto, true or false');
}

const lowerCase = (text: string): unknown => text.trim().toLowerCase();

/** A list of scanner ids (lower case `[a-z0-9_]`, CONTRACT "Scanner ids"); null means unset. */
export function checkScannerIds(value: unknown): void {
  if (value === null) return;
  if (value instanceof UnusableEnvText) fail(value.reason);
  if (!Array.isArray(value)) fail('must be a list of scanner ids');
  value.forEach((entry: unknown, index) => {
    if (typeof entry !== 'string' || !/^[a-z0-9_]{1,128}$/.test(entry)) fail(`[${index}]: must be a scanner id (a-z, 0-9, _)`);
  });
}

/** A list of IPv4/IPv6 addresses or CIDRs; null means unset. */
export function checkCidrs(value: unknown): void {
  if (value === null) return;
  if (value instanceof UnusableEnvText) fail(value.reason);
  if (!Array.isArray(value)) fail('must be a list of CIDRs such as 192.168.1.0/24');
  value.forEach((entry: unknown, index) => {
    const [address = '', bits] = typeof entry === 'string' ? entry.split('/') : [''];
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    if (family === 0 || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))) fail(`[${index}]: must be an address or CIDR such as 192.168.1.0/24 or fd00::/8`);
  });
}

/**
 * Registers the formats with convict. convict keeps formats in one process-wide table,
 * so this runs when a config is built, never on import; registering again is harmless.
 */
export function registerConfigFormats(): void {
  convict.addFormats({
    [FORMAT.boolean]: { validate: checkBoolean, coerce: coerceBoolean },
    [FORMAT.integer]: { validate: (value, item) => checkInteger(value, { min: item['min'] as number | undefined, max: item['max'] as number | undefined }), coerce: coerceInteger },
    [FORMAT.mqttUrl]: { validate: checkMqttUrl },
    [FORMAT.mqttTopic]: { validate: checkMqttTopic },
    [FORMAT.identifier]: { validate: checkIdentifier },
    [FORMAT.text]: { validate: checkText },
    [FORMAT.nonEmptyText]: { validate: checkNonEmptyText },
    [FORMAT.filenameTemplate]: { validate: checkFilenameTemplate },
    [FORMAT.sanedHosts]: { validate: checkSanedHosts, coerce: coerceStringList },
    [FORMAT.devices]: { validate: checkDevices, coerce: coerceDevices },
    [FORMAT.profiles]: { validate: checkProfiles, coerce: coerceJsonObject },
    [FORMAT.targets]: { validate: checkTargets, coerce: coerceJsonObject },
    [FORMAT.schedules]: { validate: checkSchedules, coerce: coerceDevices },
    [FORMAT.buttons]: { validate: checkButtons, coerce: coerceDevices },
    [FORMAT.protocolPreference]: { validate: checkProtocolPreference, coerce: coerceJsonObject },
    [FORMAT.logLevel]: { validate: checkLogLevel, coerce: lowerCase },
    [FORMAT.pretty]: { validate: checkPretty, coerce: lowerCase },
    [FORMAT.scannerIds]: { validate: checkScannerIds, coerce: coerceStringList },
    [FORMAT.cidrs]: { validate: checkCidrs, coerce: coerceStringList },
    [FORMAT.ipAddress]: { validate: checkIpAddress, coerce: (text: string) => text.trim() },
  });
}
