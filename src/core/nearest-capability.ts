/**
 * The nearest thing a scanner can do to what was asked: shared by profile adaptation (which also
 * says what it changed) and by running a job on another protocol of the same device. Pure.
 */
import type { ColorMode, NumericRange, ScanSource, SourceCapabilities } from './capabilities.js';

/** Next best sources, best first: a duplex profile on a simplex feeder still feeds; a feeder profile on a flatbed scans the glass. */
export const SOURCE_FALLBACK: Record<ScanSource, readonly ScanSource[]> = {
  adf_duplex: ['adf', 'platen'],
  adf: ['adf_duplex', 'platen'],
  platen: ['adf', 'adf_duplex'],
};
/** Next best colour modes: keep as much of the image as the device can. */
export const COLOR_FALLBACK: Record<ColorMode, readonly ColorMode[]> = {
  color: ['gray', 'bw'],
  gray: ['color', 'bw'],
  bw: ['gray', 'color'],
};

/** The supported resolution closest to `dpi`; on a tie the higher one (never lose detail needlessly). */
export function nearestResolution(dpi: number, sourceCaps: SourceCapabilities, range?: NumericRange): number | undefined {
  const candidates = [...sourceCaps.resolutions];
  if (range) {
    const step = range.step > 0 ? range.step : 1;
    const clamped = Math.min(range.max, Math.max(range.min, dpi));
    const snapped = range.min + Math.round((clamped - range.min) / step) * step;
    candidates.push(Math.min(range.max, snapped));
  }
  if (candidates.includes(dpi)) return dpi;
  let best: number | undefined;
  for (const c of candidates) {
    if (best === undefined) best = c;
    else {
      const d = Math.abs(c - dpi) - Math.abs(best - dpi);
      if (d < 0 || (d === 0 && c > best)) best = c;
    }
  }
  return best;
}

/** `wanted` when offered, else the first of its fallbacks that is. */
export function nearestChoice<T extends string>(wanted: T, offered: readonly T[], fallback: Record<T, readonly T[]>): T | undefined {
  if (offered.includes(wanted)) return wanted;
  return fallback[wanted].find((v) => offered.includes(v));
}
