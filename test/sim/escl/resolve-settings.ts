/**
 * Checks a ScanSettings request against the device's capabilities, the way a
 * device decides between 201 and 409, and fills the defaults a device picks.
 */
import type { SimDeviceCaps, SimSourceCaps, SimSourceKind } from './device-caps.js';
import { THREE_HUNDREDTHS, type SimRegion, type SimScanSettings } from './scan-settings.js';

/** eSCL lengths are 1/300 inch. */
export const ESCL_UNITS_PER_INCH = 300;
/** Refuse pages above this many pixels so a hostile request cannot make the simulator render forever. */
export const MAX_PAGE_PIXELS = 160_000_000;
/** Default region when the client sends none: A4 in 1/300 inch, clipped to the source maximum. */
export const DEFAULT_REGION = { width: 2480, height: 3508 } as const;
/** Resolution picked when the client sends none and the device allows it. */
export const DEFAULT_RESOLUTION = 300;

/** A request the device accepted, with every value decided. */
export interface ResolvedScan {
  readonly source: SimSourceKind;
  readonly feeder: boolean;
  readonly duplex: boolean;
  readonly colorMode: string;
  readonly documentFormat: string;
  readonly xResolution: number;
  readonly yResolution: number;
  readonly region: SimRegion;
  readonly widthPx: number;
  readonly heightPx: number;
}

/** The outcome: accepted, or rejected with the reason a 409 body carries. */
export type ResolveOutcome = { ok: true; scan: ResolvedScan } | { ok: false; reason: string };

/** Decides whether the device accepts `settings`. */
export function resolveScanSettings(settings: SimScanSettings, caps: SimDeviceCaps): ResolveOutcome {
  const picked = pickSource(settings, caps);
  if ('reason' in picked) return { ok: false, reason: picked.reason };
  const { source, sourceCaps } = picked;
  const colorMode = settings.colorMode ?? sourceCaps.colorModes[0] ?? 'RGB24';
  if (!sourceCaps.colorModes.includes(colorMode)) return reject(`color mode ${colorMode} not supported by ${source}`);
  const format = pickFormat(settings, sourceCaps);
  if ('reason' in format) return { ok: false, reason: format.reason };
  const xResolution = settings.xResolution ?? settings.yResolution ?? defaultResolution(sourceCaps);
  const yResolution = settings.yResolution ?? xResolution;
  if (!resolutionAllowed(sourceCaps, xResolution, yResolution)) return reject(`resolution ${xResolution}x${yResolution} not supported`);
  const region = pickRegion(settings, sourceCaps);
  if ('reason' in region) return { ok: false, reason: region.reason };
  const widthPx = Math.round((region.width / ESCL_UNITS_PER_INCH) * xResolution);
  const heightPx = Math.round((region.height / ESCL_UNITS_PER_INCH) * yResolution);
  if (widthPx < 1 || heightPx < 1) return reject(`region gives an empty image (${widthPx}x${heightPx} px)`);
  if (widthPx * heightPx > MAX_PAGE_PIXELS) return reject(`page of ${widthPx}x${heightPx} px exceeds the simulator limit`);
  return {
    ok: true,
    scan: {
      source,
      feeder: source === 'adf-simplex' || source === 'adf-duplex',
      duplex: source === 'adf-duplex',
      colorMode,
      documentFormat: format.mime,
      xResolution,
      yResolution,
      region,
      widthPx,
      heightPx,
    },
  };
}

function reject(reason: string): ResolveOutcome {
  return { ok: false, reason };
}

function pickSource(settings: SimScanSettings, caps: SimDeviceCaps): { source: SimSourceKind; sourceCaps: SimSourceCaps } | { reason: string } {
  const input = settings.inputSource ?? (caps.sources.platen ? 'Platen' : 'Feeder');
  let source: SimSourceKind;
  if (input === 'Platen') source = 'platen';
  else if (input === 'Camera') source = 'camera';
  else if (input === 'Feeder') source = settings.duplex === true ? 'adf-duplex' : 'adf-simplex';
  else return { reason: `unknown InputSource ${input}` };
  // AirSane once advertised only AdfDuplexInputCaps; a simplex feeder job then uses those limits.
  const sourceCaps = caps.sources[source] ?? (source === 'adf-simplex' ? caps.sources['adf-duplex'] : undefined);
  if (!sourceCaps) return { reason: `input source ${source} not present` };
  return { source, sourceCaps };
}

function pickFormat(settings: SimScanSettings, caps: SimSourceCaps): { mime: string } | { reason: string } {
  // DocumentFormatExt is the newer, more precise field; it wins when both are sent.
  const asked = settings.documentFormatExt ?? settings.documentFormat;
  if (asked === undefined) {
    const fallback = caps.formats.includes('image/jpeg') ? 'image/jpeg' : caps.formats[0];
    return fallback ? { mime: fallback } : { reason: 'device lists no document format' };
  }
  if (!caps.formats.includes(asked)) return { reason: `document format ${asked} not supported` };
  if (!RENDERABLE_FORMATS.has(asked)) return { reason: `simulator cannot render ${asked}` };
  return { mime: asked };
}

/** Formats the simulator can draw. */
export const RENDERABLE_FORMATS: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'application/pdf']);

function defaultResolution(caps: SimSourceCaps): number {
  if (resolutionAllowed(caps, DEFAULT_RESOLUTION, DEFAULT_RESOLUTION)) return DEFAULT_RESOLUTION;
  return caps.resolutions[0]?.[0] ?? caps.xRange?.min ?? DEFAULT_RESOLUTION;
}

function resolutionAllowed(caps: SimSourceCaps, x: number, y: number): boolean {
  if (caps.resolutions.some(([dx, dy]) => dx === x && dy === y)) return true;
  const inRange = (value: number, range: SimSourceCaps['xRange']) =>
    range !== undefined && value >= range.min && value <= range.max && (value - range.min) % range.step === 0;
  return inRange(x, caps.xRange) && inRange(y, caps.yRange ?? caps.xRange);
}

function pickRegion(settings: SimScanSettings, caps: SimSourceCaps): SimRegion | { reason: string } {
  if (settings.regionUnits !== undefined && settings.regionUnits !== THREE_HUNDREDTHS) {
    return { reason: `unsupported ContentRegionUnits ${settings.regionUnits}` };
  }
  if (settings.regions.length > 1) return { reason: 'more than one ScanRegion' };
  const region = settings.regions[0] ?? {
    xOffset: 0,
    yOffset: 0,
    width: Math.min(DEFAULT_REGION.width, caps.maxWidth),
    height: Math.min(DEFAULT_REGION.height, caps.maxHeight),
  };
  if (region.width < Math.max(1, caps.minWidth) || region.height < Math.max(1, caps.minHeight)) {
    return { reason: `region ${region.width}x${region.height} below the minimum ${caps.minWidth}x${caps.minHeight}` };
  }
  if (region.xOffset + region.width > caps.maxWidth || region.yOffset + region.height > caps.maxHeight) {
    return { reason: `region exceeds the maximum ${caps.maxWidth}x${caps.maxHeight}` };
  }
  return region;
}
