/**
 * The normalised scanner model shared by every protocol (eSCL, WSD, SANE).
 * Field names are snake_case because this object *is* the public
 * `scan2mqtt/<id>/capabilities` payload (CONTRACT.md); no mapping layer sits between.
 */
import type { DeviceEventKind } from './device-events.js';

/**
 * The name of a protocol module (src/protocols/index.ts lists them), published as `protocol`.
 * A plain string: the domain does not know which protocols exist.
 */
export type ProtocolName = string;

/** Where the paper is: the glass, the feeder, or the feeder scanning both sides. */
export type ScanSource = 'platen' | 'adf' | 'adf_duplex';
export const SCAN_SOURCES: readonly ScanSource[] = ['platen', 'adf', 'adf_duplex'];

/** Colour modes as the user sees them; `bw` is 1-bit line art. */
export type ColorMode = 'color' | 'gray' | 'bw';
export const COLOR_MODES: readonly ColorMode[] = ['color', 'gray', 'bw'];

/** File formats the gateway can deliver. */
export type DocumentFormat = 'pdf' | 'jpeg' | 'png' | 'tiff';
export const DOCUMENT_FORMATS: readonly DocumentFormat[] = ['pdf', 'jpeg', 'png', 'tiff'];

/** An inclusive numeric range with a step, as scanners describe adjustable values. */
export interface NumericRange {
  min: number;
  max: number;
  step: number;
  default?: number;
}

/** What one input source can do. Lengths in millimetres. */
export interface SourceCapabilities {
  resolutions: number[];
  color_modes: ColorMode[];
  formats: DocumentFormat[];
  min_width_mm?: number;
  min_height_mm?: number;
  max_width_mm: number;
  max_height_mm: number;
}

/** Adjustments a device offers, in the device's own scale. */
export interface Adjustments {
  brightness?: NumericRange;
  contrast?: NumericRange;
}

/** Everything the gateway knows a scanner can do; values not reported are left out, never invented. */
export interface ScannerCapabilities {
  protocol: ProtocolName;
  manufacturer?: string;
  model?: string;
  serial?: string;
  firmware?: string;
  /** The device's own UUID when the protocol reports one (merges hand-listed and discovered sightings). */
  uuid?: string;
  /** The device's web admin page, when it reports one. */
  admin_url?: string;
  sources: Partial<Record<ScanSource, SourceCapabilities>>;
  resolution_range?: NumericRange;
  adjustments?: Adjustments;
  buttons?: string[];
  /** Kinds of event the device pushes (src/core/device-events.ts); absent: it only answers when asked. */
  events?: DeviceEventKind[];
}

/** The dpi steps users expect to pick from when a device only offers a range. */
export const USUAL_RESOLUTIONS: readonly number[] = [75, 100, 150, 200, 300, 400, 600, 1200, 2400];

/** The usual dpi steps that fall inside a range (honouring its step), plus its ends if nothing else fits. */
export function resolutionsInRange(range: NumericRange): number[] {
  const step = range.step > 0 ? range.step : 1;
  const fits = (dpi: number) => dpi >= range.min && dpi <= range.max && (dpi - range.min) % step === 0;
  const picked = USUAL_RESOLUTIONS.filter(fits);
  if (picked.length > 0) return picked;
  return range.min === range.max ? [range.min] : [range.min, range.max];
}

/** Sources in their canonical order, present on this scanner. */
export function availableSources(caps: ScannerCapabilities): ScanSource[] {
  return SCAN_SOURCES.filter((s) => caps.sources[s] !== undefined);
}

/** Millimetres per inch; eSCL uses 1/300 inch and WS-Scan 1/1000 inch. */
export const MM_PER_INCH = 25.4;

/** Round to 0.1 mm, the precision the capabilities payload reports. */
export function roundMm(mm: number): number {
  return Math.round(mm * 10) / 10;
}
