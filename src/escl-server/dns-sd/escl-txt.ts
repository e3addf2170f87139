/**
 * The TXT record of a shared scanner's `_uscan._tcp` / `_uscans._tcp` service: the keys
 * eSCL clients read (PROTOCOLS.md A.1, E), in the order real devices send them. Pure.
 */
import type { EsclAdvert } from '../advert.js';

/** A DNS character-string holds at most 255 bytes (RFC 1035 §3.3); each TXT entry is one. */
export const TXT_STRING_MAX_BYTES = 255;
/** The eSCL root every shared scanner serves (SANE's escl backend and VueScan look nowhere else). */
export const ESCL_RESOURCE_PATH = 'eSCL';

/** One TXT entry, `key=value`. */
export type TxtEntry = readonly [key: string, value: string];

/**
 * The TXT entries of one advert as seen from `origin` (`http://198.51.100.2:8091`), which
 * turns the advert's paths (admin page, icon) into URLs a client on that link can open.
 */
export function buildEsclTxt(advert: EsclAdvert, origin: string): TxtEntry[] {
  const entries: TxtEntry[] = [
    ['txtvers', '1'],
    ['ty', advert.makeAndModel],
    ['rs', ESCL_RESOURCE_PATH],
    ['UUID', bareUuid(advert.uuid)],
    ['pdl', tokenList(advert.documentFormats)],
    ['cs', tokenList(advert.colorSpaces)],
    ['is', tokenList(advert.inputSources)],
    ['duplex', advert.duplex ? 'T' : 'F'],
    ['representation', urlFor(advert.iconPath, origin)],
    ['adminurl', urlFor(advert.adminPath, origin)],
    ['note', advert.note ?? ''],
  ];
  return entries.map(([key, value]) => [key, fitValue(key, printable(value))]);
}

/** The wire form of the entries: one `key=value` buffer per character-string. */
export function encodeTxt(entries: readonly TxtEntry[]): Buffer[] {
  return entries.map(([key, value]) => Buffer.from(`${key}=${value}`, 'utf8'));
}

/** `{…}` and `urn:uuid:` are stripped (case kept): clients compare the TXT UUID with the capabilities' one. */
function bareUuid(uuid: string): string {
  return uuid.trim().replace(/^urn:uuid:/i, '').replace(/^\{|\}$/g, '');
}

/**
 * A comma list of MIME types or keywords: an entry with a comma or a space would split into
 * two for the client, so only plain tokens pass; duplicates are dropped.
 */
function tokenList(values: readonly string[]): string {
  const tokens = values.map((v) => v.trim()).filter((v) => /^[\x21-\x7e]+$/.test(v) && !v.includes(','));
  return [...new Set(tokens)].join(',');
}

/** A full URL stays as given; a path becomes a URL on the advert's own origin. */
function urlFor(pathOrUrl: string, origin: string): string {
  if (/^https?:\/\//i.test(pathOrUrl)) return pathOrUrl;
  return `${origin}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
}

/** Control characters would reach client UIs and `avahi-browse -p` lines raw. */
function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/** Cuts the value so `key=value` fits one character-string, never inside a UTF-8 sequence. */
function fitValue(key: string, value: string): string {
  const room = TXT_STRING_MAX_BYTES - Buffer.byteLength(`${key}=`);
  return truncateUtf8(value, room);
}

/** The longest prefix of `text` whose UTF-8 form has at most `maxBytes` bytes (whole code points). */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out;
}
