/** The rules for a scanner's display name set by a user (bridge `device/rename`). */
import { invalidRequest } from './errors.js';

/** Longest display name accepted; HA and dashboards truncate long names anyway. */
export const MAX_SCANNER_NAME_LENGTH = 64;
/**
 * Control characters (C0, DEL, C1) and the Unicode line/paragraph separators: they end up in
 * `bridge/devices`, Home Assistant's device name and log lines, where they break or forge text.
 */
const FORBIDDEN_CHARACTER = /[\p{Cc}\u2028\u2029]/u;

/** The trimmed name, or an InvalidRequest saying what is wrong with it. */
export function checkScannerName(name: string): string {
  // Checked before trimming: a trailing newline is refused, not quietly cut off.
  const bad = FORBIDDEN_CHARACTER.exec(name);
  if (bad) throw invalidRequest(`name must not contain control characters (found U+${bad[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')})`);
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_SCANNER_NAME_LENGTH) throw invalidRequest(`name must be 1 to ${MAX_SCANNER_NAME_LENGTH} characters`);
  return trimmed;
}
