/**
 * DNS-SD TXT records of eSCL services (PROTOCOLS.md A.1) and the eSCL base URL built
 * from them. Pure: no I/O, safe on hostile input.
 */

/** TXT keys (lower-cased) to their string values. */
export type TxtRecord = ReadonlyMap<string, string>;

import type { TxtInput } from '../../../core/mdns-service.js';

export type { TxtInput } from '../../../core/mdns-service.js';

/** RFC 6763 §6.1: one TXT string is length-prefixed by a single byte, so 255 bytes at most. */
export const MAX_TXT_ENTRY_BYTES = 255;
/** A whole TXT record is one DNS RR (<= 65535 bytes), so a few hundred entries at most; cap the work. */
export const MAX_TXT_ENTRIES = 256;

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Parses a TXT record. Keys are matched case-insensitively (stored lower-cased); a string
 * without `=` (a boolean attribute) or with an empty key is ignored; of duplicate keys the
 * first wins (RFC 6763 §6.4); oversized entries are ignored rather than truncated.
 */
export function parseTxt(input: TxtInput): TxtRecord {
  const record = new Map<string, string>();
  for (const entry of txtEntries(input).slice(0, MAX_TXT_ENTRIES)) {
    const pair = splitEntry(entry);
    if (pair && !record.has(pair[0])) record.set(pair[0], pair[1]);
  }
  return record;
}

function txtEntries(input: TxtInput): (Uint8Array | string)[] {
  if (input === null || input === undefined) return [];
  if (Buffer.isBuffer(input)) return splitWireTxt(input);
  if (Array.isArray(input)) return input.filter((e) => typeof e === 'string' || e instanceof Uint8Array);
  const entries: string[] = [];
  for (const [key, value] of Object.entries(input).slice(0, MAX_TXT_ENTRIES)) {
    const text = valueText(value);
    if (text !== undefined) entries.push(`${key}=${text}`);
  }
  return entries;
}

function valueText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return value.byteLength <= MAX_TXT_ENTRY_BYTES ? UTF8.decode(value) : undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** A TXT RDATA on the wire: a sequence of <len><bytes> strings. A truncated last string is dropped. */
function splitWireTxt(rdata: Buffer): Uint8Array[] {
  const strings: Uint8Array[] = [];
  let offset = 0;
  while (offset < rdata.length && strings.length < MAX_TXT_ENTRIES) {
    const length = rdata[offset] ?? 0;
    const end = offset + 1 + length;
    if (end > rdata.length) break;
    strings.push(rdata.subarray(offset + 1, end));
    offset = end;
  }
  return strings;
}

function splitEntry(entry: Uint8Array | string): [string, string] | undefined {
  const bytes = typeof entry === 'string' ? Buffer.from(entry, 'utf8') : entry;
  if (bytes.byteLength > MAX_TXT_ENTRY_BYTES) return undefined;
  const eq = bytes.indexOf(0x3d); // '='
  if (eq <= 0) return undefined;
  const key = UTF8.decode(bytes.subarray(0, eq)).trim().toLowerCase();
  if (key.length === 0) return undefined;
  return [key, UTF8.decode(bytes.subarray(eq + 1))];
}

/** The eSCL resource path from `rs`: missing → `eSCL`, empty → root (`''`), slashes stripped. */
export function esclResourcePath(txt: TxtRecord): string {
  const rs = txt.get('rs');
  if (rs === undefined) return 'eSCL';
  return rs.trim().replace(/^\/+|\/+$/g, '');
}

/** The URL host part of an address: IPv6 in brackets, with `%25<zone>` for link-local (RFC 6874). */
export function urlHost(address: string, zone?: string): string {
  if (!address.includes(':')) return address;
  const [bare = address, ownZone] = address.split('%', 2);
  const scope = ownZone ?? zone;
  const linkLocal = /^fe[89ab]/i.test(bare);
  return linkLocal && scope ? `[${bare}%25${encodeURIComponent(scope)}]` : `[${bare}]`;
}

/** Whether an address is IPv6 link-local (unusable in a URL without a zone). */
export function isLinkLocalIPv6(address: string): boolean {
  return address.includes(':') && /^fe[89ab]/i.test(address);
}

/** Builds `{scheme}://{addr}:{port}/{rs}/`, the base every eSCL resource path is joined to. */
export function esclBaseUrl(opts: { secure: boolean; address: string; port: number; resourcePath: string; zone?: string }): string {
  const scheme = opts.secure ? 'https' : 'http';
  // Encode per segment: `rs` is device input and must not smuggle in `?`, `#` or a host.
  const segments = opts.resourcePath.split('/').filter((s) => s.length > 0).map(encodeURIComponent);
  const path = segments.length > 0 ? `/${segments.join('/')}/` : '/';
  return `${scheme}://${urlHost(opts.address, opts.zone)}:${opts.port}${path}`;
}
