/** Validation of per-scanner preferences (the values Home Assistant selects send). */
import { COLOR_MODES, DOCUMENT_FORMATS, SCAN_SOURCES, type ScannerCapabilities } from '../core/capabilities.js';
import { invalidRequest } from '../core/errors.js';
import type { ScanPreferences } from '../core/gateway-api.js';

/** Throws InvalidRequest unless `value` is a valid choice for `key` on this scanner. */
export function checkPreference(key: keyof ScanPreferences, value: unknown, caps: ScannerCapabilities | undefined, profiles: string[]): void {
  const sources = caps ? Object.values(caps.sources) : [];
  const offered = <T>(pick: (s: NonNullable<(typeof sources)[number]>) => T[]): T[] => [...new Set(sources.flatMap((s) => (s ? pick(s) : [])))];
  switch (key) {
    case 'source':
      if (!SCAN_SOURCES.includes(value as never) || (caps && !caps.sources[value as keyof typeof caps.sources])) throw invalidRequest(`source "${String(value)}" is not available`);
      return;
    case 'resolution':
      if (typeof value !== 'number' || !Number.isInteger(value) || (caps && !offered((s) => s.resolutions).includes(value))) throw invalidRequest(`resolution "${String(value)}" is not available`);
      return;
    case 'color_mode':
      if (!COLOR_MODES.includes(value as never) || (caps && !offered((s) => s.color_modes).includes(value as never))) throw invalidRequest(`color_mode "${String(value)}" is not available`);
      return;
    case 'format':
      if (!DOCUMENT_FORMATS.includes(value as never) || (caps && !offered((s) => s.formats).includes(value as never))) throw invalidRequest(`format "${String(value)}" is not available`);
      return;
    case 'profile':
      if (typeof value !== 'string' || !profiles.includes(value)) throw invalidRequest(`unknown profile "${String(value)}"`);
      return;
    default:
      throw invalidRequest(`unknown preference "${String(key)}"`);
  }
}
