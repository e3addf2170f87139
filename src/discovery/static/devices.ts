/** Hand-listed scanners (config `devices` / `SCAN2MQTT_DEVICES`) → findings. Pure. */
import type { DeviceCredentials, DeviceFinding } from '../../core/device.js';
import { invalidRequest } from '../../core/errors.js';
import { formatSaneUrl, parseSaneUrl, saneDeviceKey } from './sane-url.js';

export { parseSaneUrl, formatSaneUrl, saneDeviceKey, SANED_DEFAULT_PORT, type SaneUrl } from './sane-url.js';

/** One entry of the `devices` config array (the config schema produces the same shape). */
export interface DeviceConfigEntry {
  name: string;
  protocol: 'escl' | 'wsd' | 'sane';
  url: string;
  username?: string;
  password?: string;
  friendly_name?: string;
  /** HTTPS only: accept the device's self-signed certificate. Defaults to true, as for `_uscans`. */
  insecure_tls?: boolean;
}

/** A `sane://host[:port]` entry without a device: the gateway lists the host's devices and reports each. */
export interface SanedHostEntry {
  name: string;
  host: string;
  port: number;
  credentials?: DeviceCredentials;
  friendlyName?: string;
  /** Who named the host: config (`static`, the default) or its own DNS-SD announcement (`saned`). */
  source?: 'static' | 'saned';
}

/** What the `devices` config yields: ready findings, and saned hosts still to be expanded. */
export interface StaticDevices {
  findings: DeviceFinding[];
  sanedHosts: SanedHostEntry[];
}

const PROTOCOLS = new Set(['escl', 'wsd', 'sane']);

/** Parses the whole `devices` list; throws InvalidRequest naming the entry (`devices[1].url: …`). */
export function parseDeviceConfig(entries: readonly DeviceConfigEntry[]): StaticDevices {
  const result: StaticDevices = { findings: [], sanedHosts: [] };
  const seen = new Map<string, number>();
  entries.forEach((entry, index) => {
    const where = `devices[${index}]`;
    const parsed = parseEntry(entry, where);
    const identity = 'key' in parsed ? parsed.key : `saned:${parsed.host}:${parsed.port}`;
    const first = seen.get(identity);
    if (first !== undefined) throw invalidRequest(`${where}: the same scanner as devices[${first}]`);
    seen.set(identity, index);
    if ('key' in parsed) result.findings.push(parsed);
    else result.sanedHosts.push(parsed);
  });
  return result;
}

/** The findings of the `devices` list (saned host entries are left to the gateway's expansion). */
export function findingsFromConfig(entries: readonly DeviceConfigEntry[]): DeviceFinding[] {
  return parseDeviceConfig(entries).findings;
}

/** The saned hosts of the `devices` list whose devices the gateway has to list. */
export function sanedHostsFromConfig(entries: readonly DeviceConfigEntry[]): SanedHostEntry[] {
  return parseDeviceConfig(entries).sanedHosts;
}

/** The finding for one device a hand-listed saned host exports; `displayName` defaults to the entry name and device string. */
export function findingForSanedDevice(host: SanedHostEntry, device: string, info: { vendor?: string; model?: string; displayName?: string } = {}): DeviceFinding {
  const finding: DeviceFinding = {
    key: saneDeviceKey(host.host, host.port, device),
    source: host.source ?? 'static',
    protocol: 'sane',
    name: info.displayName ?? `${host.name} ${device}`,
    endpoints: [{ url: formatSaneUrl({ host: host.host, port: host.port, device }) }],
  };
  if (info.vendor) finding.manufacturer = info.vendor;
  if (info.model) finding.model = info.model;
  if (host.credentials) finding.credentials = { ...host.credentials };
  if (host.friendlyName) finding.friendlyName = `${host.friendlyName} ${device}`;
  return finding;
}

function parseEntry(entry: DeviceConfigEntry, where: string): DeviceFinding | SanedHostEntry {
  if (typeof entry !== 'object' || entry === null) throw invalidRequest(`${where}: must be an object`);
  const name = typeof entry.name === 'string' ? entry.name.trim() : '';
  if (!name) throw invalidRequest(`${where}.name: must be a non-empty string`);
  if (!PROTOCOLS.has(entry.protocol)) throw invalidRequest(`${where}.protocol: must be escl, wsd or sane`);
  if (typeof entry.url !== 'string') throw invalidRequest(`${where}.url: must be a string`);
  const common = commonFields(entry, where);
  try {
    if (entry.protocol === 'sane') return saneEntry(entry.url, name, common);
    return httpFinding(entry, name, common);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw invalidRequest(`${where}.url: ${message}`);
  }
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

function saneEntry(url: string, name: string, common: CommonFields): DeviceFinding | SanedHostEntry {
  const sane = parseSaneUrl(url);
  const host: SanedHostEntry = { name, host: sane.host, port: sane.port, ...common };
  if (sane.device === undefined) return host;
  const finding = findingForSanedDevice(host, sane.device);
  // A hand-listed device is named exactly as the user named it.
  finding.name = name;
  if (common.friendlyName) finding.friendlyName = common.friendlyName;
  return finding;
}

function httpFinding(entry: DeviceConfigEntry, name: string, common: CommonFields): DeviceFinding {
  const url = entry.protocol === 'escl' ? normaliseEsclUrl(entry.url) : normaliseHttpUrl(entry.url);
  const endpoint = url.startsWith('https:') ? { url, insecureTls: entry.insecure_tls ?? true } : { url };
  return { key: `url:${url}`, source: 'static', protocol: entry.protocol, name, endpoints: [endpoint], ...common };
}

/** An http(s) URL in canonical form; throws on anything else or on credentials in the URL. */
export function normaliseHttpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw invalidRequest(`not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidRequest(`must be http:// or https://: ${text}`);
  if (url.username || url.password) throw invalidRequest('put credentials in username/password, not in the URL');
  url.hash = '';
  return url.href;
}

/** An eSCL base URL: canonical and ending in `/`, so resource names join onto it (`…/eSCL/`). */
export function normaliseEsclUrl(text: string): string {
  const url = new URL(normaliseHttpUrl(text));
  if (url.search) throw invalidRequest(`an eSCL base URL has no query: ${text}`);
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url.href;
}
