/**
 * Fits the values a profile asks for to what one scanner can do, choosing the nearest
 * supported value and describing each change (`resolution 1200 -> 600`). Pure.
 */
import { availableSources, type DocumentFormat, type ScanSource, type ScannerCapabilities, type SourceCapabilities } from '../core/capabilities.js';
import type { ScanRegionMm, ScanRequest } from '../core/settings.js';
import { COLOR_FALLBACK, SOURCE_FALLBACK, nearestChoice, nearestResolution } from '../core/nearest-capability.js';

export { nearestResolution };

/** The request after adaptation, and what was changed, in field order. */
export interface Adaptation {
  request: ScanRequest;
  adapted: string[];
}

/** Next best formats: multi-page stays multi-page where possible, lossless stays lossless. */
const FORMAT_FALLBACK: Record<DocumentFormat, readonly DocumentFormat[]> = {
  pdf: ['tiff', 'jpeg', 'png'],
  tiff: ['pdf', 'png', 'jpeg'],
  png: ['tiff', 'jpeg', 'pdf'],
  jpeg: ['png', 'pdf', 'tiff'],
};
/** Region edges within this of the maximum count as fitting (1/300 inch rounding, as in core validation). */
const REGION_TOLERANCE_MM = 0.5;

/**
 * Adapts `wanted` (profile values) to `caps`. Fields present in `fixed` (explicit command
 * values) are left alone: the command is checked strictly later. `defaultSource` is the
 * source used when neither names one (so resolution etc. are fitted to the right source).
 */
export function adaptToScanner(wanted: ScanRequest, fixed: ScanRequest, caps: ScannerCapabilities, defaultSource?: ScanSource): Adaptation {
  const request: ScanRequest = { ...wanted };
  const adapted: string[] = [];
  const sources = availableSources(caps);
  if (sources.length === 0) return { request, adapted };
  if (request.source !== undefined && fixed.source === undefined && !caps.sources[request.source]) {
    const next = SOURCE_FALLBACK[request.source].find((s) => caps.sources[s]) ?? (sources[0] as ScanSource);
    adapted.push(`source ${request.source} -> ${next}`);
    request.source = next;
  }
  const source = fixed.source ?? request.source ?? (defaultSource && caps.sources[defaultSource] ? defaultSource : (sources[0] as ScanSource));
  const sourceCaps = caps.sources[source];
  if (!sourceCaps) return { request, adapted };
  if (request.resolution !== undefined && fixed.resolution === undefined) {
    const dpi = nearestResolution(request.resolution, sourceCaps, caps.resolution_range);
    if (dpi !== undefined && dpi !== request.resolution) {
      adapted.push(`resolution ${request.resolution} -> ${dpi}`);
      request.resolution = dpi;
    }
  }
  if (request.color_mode !== undefined && fixed.color_mode === undefined) {
    const mode = nearestChoice(request.color_mode, sourceCaps.color_modes, COLOR_FALLBACK);
    if (mode !== undefined && mode !== request.color_mode) adapted.push(`color_mode ${request.color_mode} -> ${mode}`);
    if (mode !== undefined) request.color_mode = mode;
  }
  if (request.format !== undefined && fixed.format === undefined) {
    const format = nearestChoice(request.format, sourceCaps.formats, FORMAT_FALLBACK);
    if (format !== undefined && format !== request.format) adapted.push(`format ${request.format} -> ${format}`);
    if (format !== undefined) request.format = format;
  }
  if (request.region !== undefined && fixed.region === undefined) {
    const region = fitRegion(request.region, sourceCaps);
    if (region !== request.region) adapted.push(`region ${describeRegion(request.region)} -> ${describeRegion(region)}`);
    request.region = region;
  }
  for (const name of ['brightness', 'contrast'] as const) {
    const value = request[name];
    if (value === undefined || fixed[name] !== undefined) continue;
    const range = caps.adjustments?.[name];
    if (!range) {
      adapted.push(`${name} ${value} -> device default (not adjustable)`);
      delete request[name];
    } else if (value < range.min || value > range.max) {
      const clamped = Math.min(range.max, Math.max(range.min, value));
      adapted.push(`${name} ${value} -> ${clamped}`);
      request[name] = clamped;
    }
  }
  return { request, adapted };
}



/** Clips a region to the source's area; returns the same object when it already fits. */
export function fitRegion(region: ScanRegionMm, sourceCaps: SourceCapabilities): ScanRegionMm {
  const maxW = sourceCaps.max_width_mm;
  const maxH = sourceCaps.max_height_mm;
  const fitsW = region.x + region.width <= maxW + REGION_TOLERANCE_MM;
  const fitsH = region.y + region.height <= maxH + REGION_TOLERANCE_MM;
  if (fitsW && fitsH) return region;
  const x = fitsW ? region.x : Math.max(0, Math.min(region.x, maxW - region.width));
  const y = fitsH ? region.y : Math.max(0, Math.min(region.y, maxH - region.height));
  return { x, y, width: Math.min(region.width, maxW - x), height: Math.min(region.height, maxH - y) };
}

function describeRegion(region: ScanRegionMm): string {
  const mm = (v: number) => String(Math.round(v * 10) / 10);
  const offset = region.x !== 0 || region.y !== 0 ? ` at ${mm(region.x)},${mm(region.y)}` : '';
  return `${mm(region.width)}x${mm(region.height)} mm${offset}`;
}
