/**
 * Hand-listed scanners (`devices` / `SCAN2MQTT_DEVICES`): a pure check of each entry, so a
 * typo names the entry and field (`devices[1].url: ...`) instead of failing later on the wire.
 */
import type { ProtocolName } from '../core/capabilities.js';
import { scannerIdFrom } from '../core/device.js';
import type { ProtocolModule } from '../core/protocol-module.js';
import { PROTOCOL_MODULES } from '../protocols/index.js';
import { ConfigError } from './errors.js';

/** One scanner given by hand. */
export interface DeviceConfig {
  /** Display name. */
  name: string;
  /** A protocol module's name (src/protocols/index.ts). */
  protocol: ProtocolName;
  /** What the protocol's module reads: eSCL/WSD the http(s) service URL; SANE `sane://host[:port][/device]`. */
  url: string;
  /** saned authentication, or HTTP auth for eSCL/WSD. */
  username?: string;
  password?: string;
  /** Replaces the derived scanner id (CONTRACT.md "Scanner ids"). */
  friendly_name?: string;
  /** Accept a self-signed certificate for this device only. */
  insecure_tls?: boolean;
}

/** More hand-listed devices than any home has; bounds what a hostile env value can make us hold. */
export const MAX_DEVICES = 256;
/** Longest name, URL or credential accepted in an entry. */
export const MAX_DEVICE_FIELD_LENGTH = 2048;

/** Stands in for env text that cannot be the value (not JSON, not a list), so the check can say why. */
export class UnusableEnvText {
  // A private field, not an own property: convict walks a value's own keys and would
  // otherwise take the marker for a section and report the key as missing.
  readonly #reason: string;

  /** @param reason what is wrong, phrased to follow the key: `is not valid JSON (...)`. */
  constructor(reason: string) {
    this.#reason = reason;
  }

  /** What is wrong with the text. */
  get reason(): string {
    return this.#reason;
  }
}

const DEVICE_FIELDS = new Set(['name', 'protocol', 'url', 'username', 'password', 'friendly_name', 'insecure_tls']);
/** Parses env text that must hold a JSON array; anything else becomes an UnusableEnvText. */
export function parseJsonArrayText(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (error) {
    return new UnusableEnvText(`is not valid JSON (${(error as Error).message})`);
  }
  // convict would walk an object's keys as if they were config keys; keep it a single bad value.
  return Array.isArray(parsed) ? parsed : new UnusableEnvText('must be a JSON array');
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

function fieldError(where: string, reason: string): ConfigError {
  return new ConfigError(`${where}: ${reason}`, [where]);
}

function readString(entry: Record<string, unknown>, field: string, where: string, required: boolean): string | undefined {
  const value = entry[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string') throw fieldError(`${where}.${field}`, required ? 'is required (a string)' : 'must be a string');
  if (required && value.trim() === '') throw fieldError(`${where}.${field}`, 'must not be empty');
  if (value.length > MAX_DEVICE_FIELD_LENGTH) throw fieldError(`${where}.${field}`, `is longer than ${MAX_DEVICE_FIELD_LENGTH} characters`);
  if (CONTROL_CHARS.test(value)) throw fieldError(`${where}.${field}`, 'must not contain control characters');
  return value;
}

/** Checks the URL with the protocol's own reader, so a mistake is a config error naming the field. */
function checkDeviceUrl(module: ProtocolModule, text: string, where: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw fieldError(`${where}.url`, 'is not a valid URL');
  }
  // Checked first so that no message below can echo a password given in the URL.
  if (url.username !== '' || url.password !== '') throw fieldError(`${where}.url`, 'put credentials in username/password, not in the URL');
  try {
    module.parseUrl(text);
  } catch (error) {
    throw fieldError(`${where}.url`, `${error instanceof Error ? error.message : String(error)} (protocol "${module.name}")`);
  }
}

/** Checks one entry and returns it typed; throws ConfigError naming `devices[index].field`. */
export function parseDeviceEntry(value: unknown, index: number): DeviceConfig {
  const where = `devices[${index}]`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw fieldError(where, 'must be an object with name, protocol and url');
  }
  const entry = value as Record<string, unknown>;
  const unknown = Object.keys(entry).find((field) => !DEVICE_FIELDS.has(field));
  if (unknown !== undefined) {
    throw fieldError(`${where}.${unknown}`, `unknown field; known: ${[...DEVICE_FIELDS].join(', ')}`);
  }
  const name = readString(entry, 'name', where, true) as string;
  const protocolText = readString(entry, 'protocol', where, true) as string;
  const module = PROTOCOL_MODULES.find((m) => m.name === protocolText);
  if (!module) throw fieldError(`${where}.protocol`, `must be one of ${PROTOCOL_MODULES.map((m) => m.name).join(', ')}`);
  const protocol = module.name;
  const url = readString(entry, 'url', where, true) as string;
  checkDeviceUrl(module, url, where);
  const device: DeviceConfig = { name, protocol, url };
  const username = readString(entry, 'username', where, false);
  const password = readString(entry, 'password', where, false);
  const friendlyName = readString(entry, 'friendly_name', where, false);
  if (username !== undefined) device.username = username;
  if (password !== undefined) device.password = password;
  if (friendlyName !== undefined) device.friendly_name = friendlyName;
  if (entry['insecure_tls'] !== undefined) {
    if (typeof entry['insecure_tls'] !== 'boolean') throw fieldError(`${where}.insecure_tls`, 'must be true or false');
    device.insecure_tls = entry['insecure_tls'];
  }
  return device;
}

/** Checks the whole list (array of entries) and returns it typed. */
export function parseDeviceList(value: unknown): DeviceConfig[] {
  if (value instanceof UnusableEnvText) throw fieldError('devices', value.reason);
  if (!Array.isArray(value)) throw fieldError('devices', 'must be a list (a JSON array) of devices');
  if (value.length > MAX_DEVICES) throw fieldError('devices', `lists more than ${MAX_DEVICES} devices`);
  const devices = value.map((entry: unknown, index) => parseDeviceEntry(entry, index));
  const seen = new Map<string, number>();
  devices.forEach((device, index) => {
    if (device.friendly_name === undefined) return;
    // Two names that map to one scanner id would fight over the same topics.
    const id = scannerIdFrom(device.friendly_name);
    const first = seen.get(id);
    if (first !== undefined) {
      throw fieldError(`devices[${index}].friendly_name`, `gives the scanner id "${id}" that devices[${first}] already has`);
    }
    seen.set(id, index);
  });
  return devices;
}
