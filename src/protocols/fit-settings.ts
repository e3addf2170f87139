/**
 * Fits settings resolved against one protocol's capabilities to another protocol's view of the
 * same device: a panel press taken over one protocol runs its job there, but the bound profile
 * was resolved against the capabilities the device is presented with. Pure.
 */
import { availableSources, type ScannerCapabilities, type SourceCapabilities } from '../core/capabilities.js';
import { COLOR_FALLBACK, SOURCE_FALLBACK, nearestChoice, nearestResolution } from '../core/nearest-capability.js';
import type { ScanSettings } from '../core/settings.js';

/** `settings` with source, resolution, colour mode and region moved to the nearest values `caps` offers; unchanged when they fit. */
export function fitSettings(settings: ScanSettings, caps: ScannerCapabilities): ScanSettings {
  const sources = availableSources(caps);
  const source = caps.sources[settings.source] ? settings.source : (SOURCE_FALLBACK[settings.source].find((s) => caps.sources[s]) ?? sources[0]);
  const sourceCaps = source === undefined ? undefined : caps.sources[source];
  // Nothing to fit to: the driver says what it lacks.
  if (source === undefined || !sourceCaps) return settings;
  const color_mode = nearestChoice(settings.color_mode, sourceCaps.color_modes, COLOR_FALLBACK) ?? settings.color_mode;
  const resolution = nearestResolution(settings.resolution, sourceCaps, caps.resolution_range) ?? settings.resolution;
  return { ...settings, source, color_mode, resolution, region: clippedRegion(settings, sourceCaps) };
}

function clippedRegion({ region }: ScanSettings, caps: SourceCapabilities): ScanSettings['region'] {
  const x = Math.min(region.x, caps.max_width_mm);
  const y = Math.min(region.y, caps.max_height_mm);
  return { x, y, width: Math.min(region.width, caps.max_width_mm - x), height: Math.min(region.height, caps.max_height_mm - y) };
}
