/**
 * Device URLs with an IPv6 zone (RFC 6874: `http://[fe80::1%25eth0]:80/eSCL`). Node's WHATWG URL
 * refuses any zone, yet a link-local address names no interface without one, so the zone is split
 * off before parsing and handed to the socket when connecting.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** Longest zone kept: interface names are at most 15 bytes on Linux; indexes are short numbers. */
const MAX_ZONE_LENGTH = 32;

/** A parsed device URL and the zone its host carried, if any. */
export interface ZonedUrl {
  url: URL;
  zone?: string;
}

/** Parses a URL whose bracketed IPv6 host may carry `%25<zone>`; throws TypeError as `new URL` does when it is not a URL. */
export function parseZonedUrl(text: string): ZonedUrl {
  const match = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?\[[0-9a-f:.]+)%25([^\]]*)\]/i.exec(text);
  if (!match) return { url: new URL(text) };
  const zone = decodeZone(match[2] ?? '');
  const url = new URL(`${match[1]}]${text.slice(match[0].length)}`);
  return zone === undefined ? { url } : { url, zone };
}

function decodeZone(encoded: string): string | undefined {
  let zone: string;
  try {
    zone = decodeURIComponent(encoded);
  } catch {
    throw new TypeError(`invalid IPv6 zone "${encoded}"`);
  }
  if (zone.length === 0) return undefined;
  if (zone.length > MAX_ZONE_LENGTH || !/^[\w.-]+$/.test(zone)) throw new TypeError(`invalid IPv6 zone "${encoded}"`);
  return zone;
}

/**
 * The zone as the socket layer takes it: libuv resolves a zone by interface name on Linux, so an
 * interface index (how mDNS discovery records the link an answer came from) becomes that interface's name.
 */
export function socketZone(zone: string, interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces): string {
  if (!/^\d+$/.test(zone)) return zone;
  const index = Number(zone);
  for (const [name, infos] of Object.entries(interfaces())) {
    if (infos?.some((info) => info.family === 'IPv6' && info.scopeid === index)) return name;
  }
  return zone;
}

/** `url`'s origin and `/`, with the zone put back into its host: a base URL for another client of the same device. */
export function zonedOriginUrl(url: URL, zone: string | undefined): string {
  const origin = `${url.origin}/`;
  return zone === undefined ? origin : origin.replace(/^([a-z][a-z0-9+.-]*:\/\/\[[^\]]+)\]/i, `$1%25${encodeURIComponent(zone)}]`);
}
