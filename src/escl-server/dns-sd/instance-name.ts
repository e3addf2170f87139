/**
 * DNS-SD instance names (RFC 6763 §4.1.1): any UTF-8 text up to one DNS label, 63 bytes.
 * Pure. The DNS encoder we use (dns-packet) has no escape for a dot inside a label, so a
 * dot would split the name into two labels; it becomes a hyphen, as bonjour-service does.
 */
import { truncateUtf8 } from './escl-txt.js';

/** A DNS label holds at most 63 bytes (RFC 1035 §2.3.4). */
export const DNS_LABEL_MAX_BYTES = 63;
/** The name used when nothing printable is left of the one given. */
export const FALLBACK_INSTANCE_NAME = 'Scanner';

/** The instance label for `name`, with ` (n)` appended for the n-th try (n ≥ 2) and cut to fit one label. */
export function instanceLabel(name: string, attempt = 1): string {
  const base = cleanName(name) || FALLBACK_INSTANCE_NAME;
  const suffix = attempt > 1 ? ` (${attempt})` : '';
  const room = DNS_LABEL_MAX_BYTES - Buffer.byteLength(suffix);
  return `${truncateUtf8(base, room).trimEnd()}${suffix}`;
}

/** DNS names compare case-insensitively in ASCII (RFC 6762 §16). */
export function sameLabel(a: string, b: string): boolean {
  return asciiLower(a) === asciiLower(b);
}

/** The key under which a label is unique. */
export function labelKey(label: string): string {
  return asciiLower(label);
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function cleanName(name: string): string {
  return (
    name
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .replace(/\./g, '-')
      .replace(/\s+/g, ' ')
      .trim()
  );
}
