/**
 * Turns an untrusted scan command into settings a scanner can run, or a clear
 * InvalidRequest error. Checked against the capabilities before anything reaches the wire.
 */
import {
  COLOR_MODES,
  DOCUMENT_FORMATS,
  SCAN_SOURCES,
  availableSources,
  type ColorMode,
  type DocumentFormat,
  type ScanSource,
  type ScannerCapabilities,
  type SourceCapabilities,
} from './capabilities.js';
import { invalidRequest } from './errors.js';
import type { ScanRegionMm, ScanRequest, ScanSettings } from './settings.js';

/** The fields a scan command may carry; any other is refused by name. */
export const SCAN_COMMAND_FIELDS: readonly string[] = ['source', 'resolution', 'color_mode', 'format', 'region', 'brightness', 'contrast', 'profile', 'id'];
const REQUEST_FIELDS = new Set(SCAN_COMMAND_FIELDS);
const REGION_FIELDS = ['x', 'y', 'width', 'height'] as const;
/** Longest client job id we echo back; longer ids are refused rather than truncated. */
const MAX_CLIENT_ID_LENGTH = 128;
/** Default page: wide enough for Letter, long enough for A4, clipped to what the source offers. */
export const DEFAULT_PAGE_MM = { width: 215.9, height: 297 } as const;
/** Default resolution when a command names none. */
export const DEFAULT_RESOLUTION = 300;

/** Parses a scan command payload (bytes or an already-parsed value) into a ScanRequest. */
export function parseScanRequest(payload: Buffer | string | unknown): ScanRequest {
  let value: unknown = payload;
  if (Buffer.isBuffer(payload) || typeof payload === 'string') {
    const text = payload.toString().trim();
    if (text === '') return {};
    try {
      value = JSON.parse(text);
    } catch {
      throw invalidRequest('command is not valid JSON');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest('command must be a JSON object');
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!REQUEST_FIELDS.has(key)) throw invalidRequest(`unknown field "${key}"`);
  }
  const request: ScanRequest = {};
  if (input.source !== undefined) request.source = oneOf('source', input.source, SCAN_SOURCES);
  if (input.resolution !== undefined) request.resolution = positiveInteger('resolution', input.resolution);
  if (input.color_mode !== undefined) request.color_mode = oneOf('color_mode', input.color_mode, COLOR_MODES);
  if (input.format !== undefined) request.format = oneOf('format', input.format, DOCUMENT_FORMATS);
  if (input.region !== undefined) request.region = parseRegion(input.region);
  if (input.brightness !== undefined) request.brightness = finiteNumber('brightness', input.brightness);
  if (input.contrast !== undefined) request.contrast = finiteNumber('contrast', input.contrast);
  if (input.profile !== undefined) request.profile = nonEmptyString('profile', input.profile, 64);
  if (input.id !== undefined) request.id = nonEmptyString('id', input.id, MAX_CLIENT_ID_LENGTH);
  return request;
}

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

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw invalidRequest(`${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 100_000) {
    throw invalidRequest(`${field} must be a positive whole number`);
  }
  return value;
}

function finiteNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidRequest(`${field} must be a number`);
  return value;
}

function nonEmptyString(field: string, value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw invalidRequest(`${field} must be a string of 1 to ${maxLength} characters`);
  }
  return value;
}

function parseRegion(value: unknown): ScanRegionMm {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidRequest('region must be an object with x, y, width, height in mm');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(REGION_FIELDS as readonly string[]).includes(key)) throw invalidRequest(`unknown region field "${key}"`);
  }
  const region = { x: 0, y: 0, width: 0, height: 0 };
  for (const key of REGION_FIELDS) {
    const v = input[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalidRequest(`region.${key} must be a number of mm, 0 or more`);
    region[key] = v;
  }
  if (region.width === 0 || region.height === 0) throw invalidRequest('region width and height must be greater than 0');
  return region;
}
