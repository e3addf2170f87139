/**
 * Hand-listed scanners (config `devices` / `SCAN2MQTT_DEVICES`) → findings, read with the
 * protocol module each entry names. Pure, apart from the source that reports them.
 */
import type { DeviceCredentials, DeviceEndpoint, DeviceFinding } from '../../core/device.js';
import { STATIC_SOURCE } from '../../core/device.js';
import type { DiscoveryReport, DiscoverySource } from '../../core/discovery-source.js';
import { invalidRequest } from '../../core/errors.js';
import type { ListedHost, ProtocolModule } from '../../core/protocol-module.js';

/** One entry of the `devices` config array (the config schema produces the same shape). */
export interface DeviceConfigEntry {
  name: string;
  /** A protocol module's name. */
  protocol: string;
  url: string;
  username?: string;
  password?: string;
  friendly_name?: string;
  /** HTTPS only: accept the device's self-signed certificate. Defaults to true, as for `_uscans`. */
  insecure_tls?: boolean;
}

/** A hand-listed host (a URL naming no one device), for its protocol's discovery to list. */
export interface ProtocolHost {
  protocol: string;
  host: ListedHost;
}

/** What the `devices` config yields: ready findings, and hosts whose devices their protocol lists. */
export interface StaticDevices {
  findings: DeviceFinding[];
  hosts: ProtocolHost[];
}

/** The protocol modules a list is read with: parseUrl and the name are all it needs. */
export type UrlReaders = readonly Pick<ProtocolModule, 'name' | 'parseUrl'>[];

/** Parses the whole `devices` list; throws InvalidRequest naming the entry (`devices[1].url: …`). */
export function parseDeviceConfig(entries: readonly DeviceConfigEntry[], modules: UrlReaders): StaticDevices {
  const result: StaticDevices = { findings: [], hosts: [] };
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const where = `devices[${index}]`;
    const parsed = parseEntry(entry, where, modules);
    const identity = 'key' in parsed ? parsed.key : `host:${parsed.protocol}:${parsed.host.url}`;
    const first = seen.get(identity);
    if (first !== undefined) throw invalidRequest(`${where}: the same scanner as devices[${first}]`);
    seen.set(identity, index);
    if ('key' in parsed) result.findings.push(parsed);
    else result.hosts.push(parsed);
  });
  return result;
}

/** The findings of the `devices` list (host entries are left to their protocol's discovery). */
export function findingsFromConfig(entries: readonly DeviceConfigEntry[], modules: UrlReaders): DeviceFinding[] {
  return parseDeviceConfig(entries, modules).findings;
}

/** The hosts of the `devices` list whose devices their protocol has to list. */
export function hostsFromConfig(entries: readonly DeviceConfigEntry[], modules: UrlReaders): ProtocolHost[] {
  return parseDeviceConfig(entries, modules).hosts;
}

/** A host given by URL alone (config `discovery.saned_hosts`): the module that reads it as a host, named after it. */
export function hostFromUrl(url: string, modules: UrlReaders): ProtocolHost {
  for (const module of modules) {
    let parsed;
    try {
      parsed = module.parseUrl(url);
    } catch {
      continue;
    }
    if (parsed.key === undefined) return { protocol: module.name, host: { name: parsed.host, url: parsed.url } };
  }
  throw invalidRequest(`no protocol lists the devices of ${url}`);
}

/** Reports the hand-listed findings once at start; they stay until the config changes, so refresh does nothing. */
export function createStaticSource(findings: readonly DeviceFinding[]): DiscoverySource {
  return {
    name: STATIC_SOURCE,
    start(report: DiscoveryReport) {
      for (const finding of findings) report.found(finding);
    },
    stop() {},
    refresh() {},
  };
}

function parseEntry(entry: DeviceConfigEntry, where: string, modules: UrlReaders): DeviceFinding | ProtocolHost {
  if (typeof entry !== 'object' || entry === null) throw invalidRequest(`${where}: must be an object`);
  const name = typeof entry.name === 'string' ? entry.name.trim() : '';
  if (!name) throw invalidRequest(`${where}.name: must be a non-empty string`);
  const module = modules.find((m) => m.name === entry.protocol);
  if (!module) throw invalidRequest(`${where}.protocol: must be ${namesList(modules)}`);
  if (typeof entry.url !== 'string') throw invalidRequest(`${where}.url: must be a string`);
  const common = commonFields(entry, where);
  let parsed;
  try {
    parsed = module.parseUrl(entry.url);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw invalidRequest(`${where}.url: ${message}`);
  }
  if (parsed.key === undefined) return { protocol: module.name, host: { name, url: parsed.url, ...common } };
  // `_uscans`-style self-signed certificates are accepted unless the entry says otherwise.
  const endpoint: DeviceEndpoint = parsed.url.startsWith('https:') ? { url: parsed.url, insecureTls: entry.insecure_tls ?? true } : { url: parsed.url };
  return { key: parsed.key, source: STATIC_SOURCE, protocol: module.name, name, endpoints: [endpoint], ...common };
}

/** `escl, wsd or sane`, from the modules. */
function namesList(modules: UrlReaders): string {
  const names = modules.map((m) => m.name);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : (names[0] ?? 'a known protocol');
}

interface CommonFields {
  credentials?: DeviceCredentials;
  friendlyName?: string;
}

function commonFields(entry: DeviceConfigEntry, where: string): CommonFields {
  const common: CommonFields = {};
  for (const field of ['username', 'password', 'friendly_name'] as const) {
    if (entry[field] !== undefined && typeof entry[field] !== 'string') throw invalidRequest(`${where}.${field}: must be a string`);
  }
  if (entry.username !== undefined || entry.password !== undefined) {
    common.credentials = {};
    if (entry.username !== undefined) common.credentials.username = entry.username;
    if (entry.password !== undefined) common.credentials.password = entry.password;
  }
  const friendly = entry.friendly_name?.trim();
  if (friendly) common.friendlyName = friendly;
  return common;
}
