/**
 * Fits settings resolved against one protocol's capabilities to another protocol's view of the
 * same device: a panel press taken over one protocol runs its job there, but the bound profile
 * was resolved against the capabilities the device is presented with. Pure.
 */
import { availableSources, type ColorMode, type ScanSource, type ScannerCapabilities, type SourceCapabilities } from '../core/capabilities.js';
import type { ScanSettings } from '../core/settings.js';

/** Next best sources: a feeder job stays on a feeder where the device has one. */
const SOURCE_FALLBACK: Record<ScanSource, readonly ScanSource[]> = {
  adf_duplex: ['adf', 'platen'],
  adf: ['adf_duplex', 'platen'],
  platen: ['adf', 'adf_duplex'],
};
/** Next best colour modes: keep as much of the image as the device can. */
const COLOR_FALLBACK: Record<ColorMode, readonly ColorMode[]> = {
  color: ['gray', 'bw'],
  gray: ['color', 'bw'],
  bw: ['gray', 'color'],
};

/** `settings` with source, resolution, colour mode and region moved to the nearest values `caps` offers; unchanged when they fit. */
export function fitSettings(settings: ScanSettings, caps: ScannerCapabilities): ScanSettings {
  const sources = availableSources(caps);
  const source = caps.sources[settings.source] ? settings.source : (SOURCE_FALLBACK[settings.source].find((s) => caps.sources[s]) ?? sources[0]);
  const sourceCaps = source === undefined ? undefined : caps.sources[source];
  // Nothing to fit to: the driver says what it lacks.
  if (source === undefined || !sourceCaps) return settings;
  const color_mode = sourceCaps.color_modes.includes(settings.color_mode)
    ? settings.color_mode
    : (COLOR_FALLBACK[settings.color_mode].find((m) => sourceCaps.color_modes.includes(m)) ?? settings.color_mode);
  return { ...settings, source, color_mode, resolution: nearestResolution(settings.resolution, sourceCaps), region: clippedRegion(settings, sourceCaps) };
}

/** The offered resolution nearest to `dpi`, the higher one on a tie; `dpi` itself when nothing is listed. */
function nearestResolution(dpi: number, caps: SourceCapabilities): number {
  let best: number | undefined;
  for (const r of caps.resolutions) {
    if (best === undefined || Math.abs(r - dpi) < Math.abs(best - dpi) || (Math.abs(r - dpi) === Math.abs(best - dpi) && r > best)) best = r;
  }
  return best ?? dpi;
}

function clippedRegion({ region }: ScanSettings, caps: SourceCapabilities): ScanSettings['region'] {
  const x = Math.min(region.x, caps.max_width_mm);
  const y = Math.min(region.y, caps.max_height_mm);
  return { x, y, width: Math.min(region.width, caps.max_width_mm - x), height: Math.min(region.height, caps.max_height_mm - y) };
}
