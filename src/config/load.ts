/**
 * Loads the configuration: defaults < file (`--config` / SCAN2MQTT_CONFIG) < environment,
 * with `<VAR>_FILE` secrets, strictly checked. The only file in src/config/ that does I/O.
 */
import { accessSync, closeSync, constants as fsConstants, openSync, readSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import convict from 'convict';
import { parseCliArgs } from './cli.js';
import { parseDeviceList } from './devices.js';
import { checkProfileTargets, parseProfilesConfig } from '../profiles/profile.js';
import { parseSchedulesConfig } from '../jobs/schedule-config.js';
import { parseButtonsConfig } from '../triggers/button-config.js';
import { parseTargetsConfig } from '../storage/targets/target-config.js';
import { ConfigError } from './errors.js';
import { checkConfigShape, parseConfigText } from './file-config.js';
import { registerConfigFormats } from './formats.js';
import { CONFIG_FILE_ENV, ENV_PREFIX, FILE_ENV_SUFFIX, listConfigKeys, toConvictSchema } from './schema.js';
import type { AppConfig, LogConfig } from './types.js';

export { ConfigError } from './errors.js';
export { parseCliArgs, helpText, type CliArgs } from './cli.js';
export { redactedConfig, REDACTED } from './redact.js';
export type * from './types.js';

/** Largest config file read; a real one is a few KiB, this keeps a wrong path (a disk image) harmless. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** Largest `_FILE` secret read (a device list may be long, a password is short). */
export const MAX_SECRET_FILE_BYTES = 1024 * 1024;
/** Prefix of a generated MQTT client id. */
export const CLIENT_ID_PREFIX = 'scan2mqtt_';

/** Reads at most `limit` bytes of a text file; anything larger or unreadable is a ConfigError naming the path. */
function readBoundedText(path: string, limit: number, what: string, keys: string[]): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as Error).message}`, keys, { cause: error });
  }
  try {
    // One byte beyond the limit tells "too large" from "exactly the limit"; works for FIFOs too.
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > limit) throw new ConfigError(`${what} ${path} is larger than ${limit} bytes`, keys);
    }
    return buffer.subarray(0, length).toString('utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`cannot read ${what} ${path}: ${(error as Error).message}`, keys, { cause: error });
  } finally {
    closeSync(fd);
  }
}

/** Env names that may be given as `<NAME>_FILE`: every secret (mqtt.password, devices). */
function fileBackedEnvNames(): string[] {
  return listConfigKeys()
    .filter((key) => key.sensitive)
    .map((key) => key.env);
}

/** A copy of the env with each `<NAME>_FILE` replaced by the file's trimmed text under `<NAME>`. */
function resolveFileEnv(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const resolved: Record<string, string | undefined> = { ...env };
  for (const name of fileBackedEnvNames()) {
    const fileName = name + FILE_ENV_SUFFIX;
    const path = env[fileName];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined) throw new ConfigError(`set either ${name} or ${fileName}, not both`, [name, fileName]);
    resolved[name] = readBoundedText(path, MAX_SECRET_FILE_BYTES, `${fileName} file`, [fileName]).trim();
    delete resolved[fileName];
  }
  return resolved;
}

/** A misspelt variable would otherwise be ignored silently, so every SCAN2MQTT_* name must be known. */
function checkEnvNames(env: Record<string, string | undefined>): void {
  const known = new Set([CONFIG_FILE_ENV, ...listConfigKeys().map((key) => key.env)]);
  for (const name of fileBackedEnvNames()) known.add(name + FILE_ENV_SUFFIX);
  const unknown = Object.keys(env).filter((name) => name.startsWith(ENV_PREFIX) && !known.has(name));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((name) => `unknown environment variable "${name}" (see --help for the known ones)`).join('\n'), unknown);
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  const text = readBoundedText(path, MAX_CONFIG_FILE_BYTES, 'config file', ['--config']);
  return checkConfigShape(parseConfigText(text, path), path);
}

const UNDECLARED_LINE = /^configuration param '(.+)' not declared in the schema$/;
const KEYED_LINE = /^([a-z_.]+): (.*)$/s;
const URL_PASSWORD = /(\/\/[^\s:@/"]*:)[^\s@/"]*@/g;

/** Rewrites convict's validation report so each line starts with the key (and says which env set it). */
function toConfigError(error: unknown, env: Record<string, string | undefined>): ConfigError {
  const envByKey = new Map(listConfigKeys().map((key) => [key.key, key.env]));
  const keys: string[] = [];
  const lines = String((error as Error).message ?? error)
    .split('\n')
    .map((line) => {
      const undeclared = UNDECLARED_LINE.exec(line);
      if (undeclared) {
        keys.push(undeclared[1] as string);
        return `unknown config key "${undeclared[1]}"`;
      }
      const keyed = KEYED_LINE.exec(line);
      if (!keyed) return line;
      const key = keyed[1] as string;
      let rest = keyed[2] as string;
      // List checks name the entry: "devices: devices[1].url: ..." / "discovery.saned_hosts: [2]: ...".
      let named = key;
      if (rest.startsWith(key + '[') || rest.startsWith(key + ':') || rest.startsWith(key + '.')) [named, rest] = splitAt(rest);
      else if (rest.startsWith('[')) [named, rest] = splitAt(key + rest);
      keys.push(named);
      const envName = envByKey.get(key);
      const from = envName !== undefined && env[envName] !== undefined ? ` (set by ${envName})` : '';
      return `${named}: ${rest}${from}`;
    });
  // convict echoes bad values; a URL's `user:password@` must not reach the console.
  const message = lines.join('\n').replace(URL_PASSWORD, '$1***@');
  return new ConfigError(message, keys);
}

function splitAt(text: string): [string, string] {
  const at = text.indexOf(': ');
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 2)];
}

/** convict's checked properties → the typed AppConfig (unset defaults dropped, client id filled). */
function toAppConfig(properties: Record<string, unknown>): AppConfig {
  const config = properties as unknown as AppConfig;
  config.devices = parseDeviceList(properties['devices']);
  config.profiles = parseProfilesConfig(properties['profiles']);
  config.targets = parseTargetsConfig(properties['targets']);
  config.schedules = parseSchedulesConfig(properties['schedules']);
  config.buttons = parseButtonsConfig(properties['buttons']);
  const defaults = config.scan.defaults as unknown as Record<string, unknown>;
  for (const name of Object.keys(defaults)) if (defaults[name] === null) delete defaults[name];
  // YAML reads `pretty: true` as a boolean; the rest of the program sees one type.
  config.log.pretty = String(config.log.pretty) as LogConfig['pretty'];
  if (config.mqtt.client_id === '') config.mqtt.client_id = CLIENT_ID_PREFIX + randomBytes(4).toString('hex');
  return config;
}

/** TLS files are read only when the broker connects; a wrong path should stop the start, named. */
function checkTlsFiles(config: AppConfig): void {
  const { mqtt } = config;
  if ((mqtt.cert === '') !== (mqtt.key === '')) {
    throw new ConfigError('mqtt.cert and mqtt.key must be given together (TLS client authentication)', ['mqtt.cert', 'mqtt.key']);
  }
  for (const name of ['ca', 'cert', 'key'] as const) {
    const path = mqtt[name];
    if (path === '') continue;
    try {
      accessSync(path, fsConstants.R_OK);
    } catch (error) {
      throw new ConfigError(`mqtt.${name}: cannot read ${path}: ${(error as Error).message}`, [`mqtt.${name}`], { cause: error });
    }
  }
}

/** Sections whose value is one mapping keyed by user-chosen names (not config keys). */
const KEYED_SECTIONS = ['profiles', 'targets'] as const;

/**
 * convict deep-merges every mapping in a file into its schema, so a keyed section such as
 * `profiles: {document: {...}}` would be walked as if `document` were a config key. Those
 * sections are set whole instead; the environment still wins over the file.
 */
function loadFileValues(config: convict.Config<unknown>, fromFile: Record<string, unknown>, env: Record<string, string | undefined>): void {
  const rest = { ...fromFile };
  const keyed: [string, unknown][] = [];
  for (const key of KEYED_SECTIONS) {
    if (rest[key] === undefined) continue;
    keyed.push([key, rest[key]]);
    delete rest[key];
  }
  config.load(rest);
  const envByKey = new Map(listConfigKeys().map((k) => [k.key, k.env]));
  for (const [key, value] of keyed) {
    const envName = envByKey.get(key);
    if (envName !== undefined && env[envName] !== undefined) continue;
    (config as convict.Config<Record<string, unknown>>).set(key, value);
  }
}

/** Names one section refers to in another must exist (a profile's targets, a schedule's profile). */
function checkCrossReferences(config: AppConfig): void {
  try {
    checkProfileTargets(config.profiles, config.targets.map((t) => t.name));
  } catch (error) {
    const message = (error as Error).message;
    throw new ConfigError(message, [message.slice(0, message.indexOf(':'))]);
  }
  const profiles = config.profiles.map((p) => p.name);
  config.schedules.forEach((schedule, index) => {
    if (schedule.profile !== undefined && !profiles.includes(schedule.profile)) {
      throw new ConfigError(`schedules[${index}].profile: unknown profile "${schedule.profile}" (configured: ${profiles.join(', ') || 'none'})`, [`schedules[${index}].profile`]);
    }
  });
  config.buttons.forEach((binding, index) => {
    if (binding.profile !== undefined && !profiles.includes(binding.profile)) {
      throw new ConfigError(`buttons[${index}].profile: unknown profile "${binding.profile}" (configured: ${profiles.join(', ') || 'none'})`, [`buttons[${index}].profile`]);
    }
  });
  if (config.delivery.retry_max_s < config.delivery.retry_min_s) {
    throw new ConfigError('delivery.retry_max_s: must not be less than delivery.retry_min_s', ['delivery.retry_max_s']);
  }
}

/** Every schema key set by the environment or present in the file; a value equal to the default still counts. */
function keysSetByUser(fromFile: Record<string, unknown>, env: Record<string, string | undefined>): Set<string> {
  const inFile = (path: string): boolean => {
    let node: unknown = fromFile;
    for (const part of path.split('.')) {
      if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return false;
      node = (node as Record<string, unknown>)[part];
    }
    return true;
  };
  return new Set(listConfigKeys().filter((key) => env[key.env] !== undefined || inFile(key.key)).map((key) => key.key));
}

/** Builds the configuration for this start; throws ConfigError naming every bad key. */
export function loadConfig(input: { argv: string[]; env: NodeJS.ProcessEnv }): AppConfig {
  const cli = parseCliArgs(input.argv);
  const env = resolveFileEnv(input.env);
  checkEnvNames(env);
  const envPath = env[CONFIG_FILE_ENV];
  const path = cli.configPath ?? (envPath === undefined || envPath === '' ? undefined : envPath);
  const fromFile = path === undefined ? {} : readConfigFile(path);
  registerConfigFormats();
  // args: [] keeps convict from reading process.argv on its own.
  const config = convict(toConvictSchema(), { env: env as NodeJS.ProcessEnv, args: [] });
  loadFileValues(config, fromFile, env);
  try {
    config.validate({ allowed: 'strict', output: () => {} });
  } catch (error) {
    throw toConfigError(error, env);
  }
  const appConfig = toAppConfig(config.getProperties() as Record<string, unknown>);
  appConfig.userKeys = keysSetByUser(fromFile, env);
  checkTlsFiles(appConfig);
  checkCrossReferences(appConfig);
  return appConfig;
}
