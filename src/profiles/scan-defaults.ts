/** `scan.defaults` as the job plan takes it: a field left unset (or empty) falls through to the device's default. */
import type { ScanSettings } from '../core/settings.js';

/** The `scan.defaults` config section. */
export interface ScanDefaultsSettings {
  format: ScanSettings['format'];
  source?: ScanSettings['source'];
  resolution?: number;
  color_mode?: ScanSettings['color_mode'];
}

/** The settings the gateway-wide defaults fix (src/profiles/resolve-job.ts puts them below profiles and preferences). */
export function scanDefaultsFrom(d: ScanDefaultsSettings): Partial<ScanSettings> {
  return {
    format: d.format,
    ...(d.source ? { source: d.source } : {}),
    ...(d.resolution ? { resolution: d.resolution } : {}),
    ...(d.color_mode ? { color_mode: d.color_mode } : {}),
  };
}
