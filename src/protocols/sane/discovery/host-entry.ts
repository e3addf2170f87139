/** A saned host whose exported devices are offered, and the finding for one of its devices. Pure. */
import type { DeviceCredentials, DeviceFinding, FindingSource } from '../../../core/device.js';
import { STATIC_SOURCE } from '../../../core/device.js';
import type { ListedHost } from '../../../core/protocol-module.js';
import { formatSaneUrl, parseSaneUrl, saneDeviceKey } from '../sane-url.js';

/** The source name of devices found on saned hosts that announced themselves (`_sane-port._tcp`). */
export const SANED_SOURCE: FindingSource = 'saned';

/** A `sane://host[:port]` entry without a device: its devices are listed and each reported. */
export interface SanedHostEntry {
  name: string;
  host: string;
  port: number;
  credentials?: DeviceCredentials;
  friendlyName?: string;
  /** Who named the host: config (`static`, the default) or its own DNS-SD announcement (`saned`). */
  source?: FindingSource;
}

/** The saned host a hand-listed host URL names. */
export function sanedHostEntry(listed: ListedHost): SanedHostEntry {
  const { host, port } = parseSaneUrl(listed.url);
  const entry: SanedHostEntry = { name: listed.name, host, port };
  if (listed.credentials) entry.credentials = { ...listed.credentials };
  if (listed.friendlyName) entry.friendlyName = listed.friendlyName;
  return entry;
}

/** The finding for one device a saned host exports; `displayName` defaults to the entry name and device string. */
export function findingForSanedDevice(host: SanedHostEntry, device: string, info: { vendor?: string; model?: string; displayName?: string } = {}): DeviceFinding {
  const finding: DeviceFinding = {
    key: saneDeviceKey(host.host, host.port, device),
    source: host.source ?? STATIC_SOURCE,
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
