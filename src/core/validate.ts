/**
 * Turns a scan command into settings a scanner can run, or a clear InvalidRequest error.
 * Checked against the capabilities before anything reaches the wire.
 */
import {
  availableSources,
  type ColorMode,
  type DocumentFormat,
  type ScanSource,
  type ScannerCapabilities,
  type SourceCapabilities,
} from './capabilities.js';
import { invalidRequest } from './errors.js';
import type { ScanRegionMm, ScanRequest, ScanSettings } from './settings.js';

/** Default page: wide enough for Letter, long enough for A4, clipped to what the source offers. */
export const DEFAULT_PAGE_MM = { width: 215.9, height: 297 } as const;
/** Default resolution when a command names none. */
export const DEFAULT_RESOLUTION = 300;

/** Resolves a request against capabilities (and defaults for omitted fields) into runnable settings. */
export function resolveScanSettings(request: ScanRequest, caps: ScannerCapabilities, defaults: Partial<ScanSettings> = {}): ScanSettings {
  const sources = availableSources(caps);
  if (sources.length === 0) throw invalidRequest('the scanner reports no input source');
  const source = request.source ?? pickDefault(defaults.source, sources) ?? (sources[0] as ScanSource);
  const sourceCaps = caps.sources[source];
  if (!sourceCaps) throw invalidRequest(`source "${source}" is not supported; available: ${sources.join(', ')}`);

  const resolution = request.resolution ?? defaultResolution(defaults.resolution, sourceCaps);
  if (!resolutionSupported(resolution, sourceCaps, caps)) {
    throw invalidRequest(`resolution ${resolution} is not supported by ${source}; available: ${sourceCaps.resolutions.join(', ')}`);
  }
  const color_mode = request.color_mode ?? pickDefault(defaults.color_mode, sourceCaps.color_modes) ?? preferred<ColorMode>(sourceCaps.color_modes, ['color', 'gray', 'bw']);
  if (!sourceCaps.color_modes.includes(color_mode)) {
    throw invalidRequest(`color_mode "${color_mode}" is not supported by ${source}; available: ${sourceCaps.color_modes.join(', ')}`);
  }
  const format = request.format ?? pickDefault(defaults.format, sourceCaps.formats) ?? preferred<DocumentFormat>(sourceCaps.formats, ['pdf', 'jpeg', 'png', 'tiff']);
  if (!sourceCaps.formats.includes(format)) {
    throw invalidRequest(`format "${format}" is not supported by ${source}; available: ${sourceCaps.formats.join(', ')}`);
  }
  const region = request.region ?? defaults.region ?? defaultRegion(sourceCaps);
  checkRegion(region, sourceCaps, source);

  const settings: ScanSettings = { source, resolution, color_mode, format, region };
  const brightness = request.brightness ?? defaults.brightness;
  const contrast = request.contrast ?? defaults.contrast;
  if (brightness !== undefined) settings.brightness = inAdjustment('brightness', brightness, caps.adjustments?.brightness);
  if (contrast !== undefined) settings.contrast = inAdjustment('contrast', contrast, caps.adjustments?.contrast);
  return settings;
}

/** The full usable area of a source, limited to the default page size. */
export function defaultRegion(sourceCaps: SourceCapabilities): ScanRegionMm {
  return {
    x: 0,
    y: 0,
    width: Math.min(sourceCaps.max_width_mm, DEFAULT_PAGE_MM.width),
    height: Math.min(sourceCaps.max_height_mm, DEFAULT_PAGE_MM.height),
  };
}

function resolutionSupported(dpi: number, sourceCaps: SourceCapabilities, caps: ScannerCapabilities): boolean {
  if (sourceCaps.resolutions.includes(dpi)) return true;
  const range = caps.resolution_range;
  return range !== undefined && dpi >= range.min && dpi <= range.max && (dpi - range.min) % (range.step || 1) === 0;
}

function defaultResolution(preferredDpi: number | undefined, sourceCaps: SourceCapabilities): number {
  const wanted = preferredDpi ?? DEFAULT_RESOLUTION;
  if (sourceCaps.resolutions.length === 0) return wanted;
  return sourceCaps.resolutions.reduce((best, dpi) => (Math.abs(dpi - wanted) < Math.abs(best - wanted) ? dpi : best));
}

/** Region edges may overshoot the maximum by this much (rounding of 1/300 inch units). */
const REGION_TOLERANCE_MM = 0.5;

function checkRegion(region: ScanRegionMm, sourceCaps: SourceCapabilities, source: ScanSource): void {
  if (region.x + region.width > sourceCaps.max_width_mm + REGION_TOLERANCE_MM) {
    throw invalidRequest(`region is wider than ${source} allows (max ${sourceCaps.max_width_mm} mm)`);
  }
  if (region.y + region.height > sourceCaps.max_height_mm + REGION_TOLERANCE_MM) {
    throw invalidRequest(`region is taller than ${source} allows (max ${sourceCaps.max_height_mm} mm)`);
  }
  if (sourceCaps.min_width_mm !== undefined && region.width + REGION_TOLERANCE_MM < sourceCaps.min_width_mm) {
    throw invalidRequest(`region is narrower than ${source} allows (min ${sourceCaps.min_width_mm} mm)`);
  }
  if (sourceCaps.min_height_mm !== undefined && region.height + REGION_TOLERANCE_MM < sourceCaps.min_height_mm) {
    throw invalidRequest(`region is shorter than ${source} allows (min ${sourceCaps.min_height_mm} mm)`);
  }
}

function inAdjustment(name: string, value: number, range: { min: number; max: number } | undefined): number {
  if (!range) throw invalidRequest(`${name} is not adjustable on this scanner`);
  if (value < range.min || value > range.max) throw invalidRequest(`${name} must be between ${range.min} and ${range.max}`);
  return value;
}

function pickDefault<T>(value: T | undefined, allowed: readonly T[]): T | undefined {
  return value !== undefined && allowed.includes(value) ? value : undefined;
}

function preferred<T extends string>(available: readonly T[], order: readonly T[]): T {
  const hit = order.find((v) => available.includes(v));
  if (hit === undefined) throw invalidRequest('the scanner reports no usable value');
  return hit;
}
