/** `sane://host[:port][/device]` URLs of hand-listed saned scanners. Pure. */
import { invalidRequest } from '../../core/errors.js';

/** saned's registered port (IANA `sane-port`). */
export const SANED_DEFAULT_PORT = 6566;
/** SANE device names are short (`genesys:libusb:001:004`); anything longer is a mistake. */
export const MAX_SANE_DEVICE_LENGTH = 256;

/** A parsed SANE URL: the saned host, its port, and optionally one device it exports. */
export interface SaneUrl {
  /** Host name or address; IPv6 without brackets. */
  host: string;
  port: number;
  device?: string;
}

/** Parses `sane://host[:port][/device]`; throws InvalidRequest naming what is wrong. */
export function parseSaneUrl(text: string): SaneUrl {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw invalidRequest(`not a SANE URL (sane://host[:port][/device]): ${text}`);
  }
  if (url.protocol !== 'sane:') throw invalidRequest(`SANE URL must start with sane://: ${text}`);
  if (url.username || url.password) throw invalidRequest('put SANE credentials in username/password, not in the URL');
  if (url.search || url.hash) throw invalidRequest(`SANE URL must not have a query or fragment: ${text}`);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!host) throw invalidRequest(`SANE URL has no host: ${text}`);
  const port = url.port ? Number(url.port) : SANED_DEFAULT_PORT;
  if (port < 1) throw invalidRequest(`SANE URL has an invalid port: ${text}`);
  const device = decodeDevice(url.pathname, text);
  return device ? { host, port, device } : { host, port };
}

function decodeDevice(pathname: string, text: string): string | undefined {
  const raw = pathname.replace(/^\/+/, '');
  if (!raw) return undefined;
  let device: string;
  try {
    device = decodeURIComponent(raw);
  } catch {
    throw invalidRequest(`SANE device name is badly encoded: ${text}`);
  }
  // eslint-disable-next-line no-control-regex
  if (device.length > MAX_SANE_DEVICE_LENGTH || /[\u0000-\u001f]/.test(device)) {
    throw invalidRequest(`SANE device name is not valid: ${text}`);
  }
  return device;
}

/** `sane://host:port/device` in canonical form (IPv6 in brackets, device percent-encoded where needed). */
export function formatSaneUrl(sane: SaneUrl): string {
  const host = sane.host.includes(':') ? `[${sane.host}]` : sane.host;
  const device = sane.device ? `/${encodeURI(sane.device)}` : '';
  return `sane://${host}:${sane.port}${device}`;
}

/** The registry key of one saned device: `sane:<host>:<port>:<device>`. */
export function saneDeviceKey(host: string, port: number, device: string): string {
  return `sane:${host.toLowerCase()}:${port}:${device}`;
}
