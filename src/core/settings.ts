/** What a scan asks for: the raw request from a user and the validated settings a protocol receives. */
import type { ColorMode, DocumentFormat, ScanSource } from './capabilities.js';

/** A scan area in millimetres from the top-left corner of the source. */
export interface ScanRegionMm {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A scan command as users send it; every field is optional (CONTRACT.md `.../scan`). */
export interface ScanRequest {
  source?: ScanSource;
  resolution?: number;
  color_mode?: ColorMode;
  format?: DocumentFormat;
  region?: ScanRegionMm;
  brightness?: number;
  contrast?: number;
  profile?: string;
  /** A client-chosen job id, echoed in job events. */
  id?: string;
}

/** Fully resolved settings, already checked against the scanner's capabilities. */
export interface ScanSettings {
  source: ScanSource;
  resolution: number;
  color_mode: ColorMode;
  format: DocumentFormat;
  region: ScanRegionMm;
  brightness?: number;
  contrast?: number;
}
