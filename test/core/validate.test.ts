/** A command checked against what the scanner says it can do, before anything goes on the wire. */
import { describe, expect, it } from 'vitest';
import type { ScannerCapabilities } from '../../src/core/capabilities.js';
import { DEFAULT_PAGE_MM, resolveScanSettings } from '../../src/core/validate.js';

/** An ADF scanner with a letter-size glass, a dpi range and a brightness control. */
const CAPS: ScannerCapabilities = {
  protocol: 'escl',
  sources: {
    platen: { resolutions: [75, 150, 300, 600], color_modes: ['color', 'gray', 'bw'], formats: ['jpeg', 'pdf'], max_width_mm: 215.9, max_height_mm: 279.4, min_width_mm: 10, min_height_mm: 10 },
    adf: { resolutions: [150, 300], color_modes: ['gray'], formats: ['pdf'], max_width_mm: 215.9, max_height_mm: 355.6 },
  },
  resolution_range: { min: 100, max: 1200, step: 100 },
  adjustments: { brightness: { min: -100, max: 100, step: 1 } },
};

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  return 'accepted';
};

describe('resolveScanSettings', () => {
  it('fills an empty command with the first source, the nearest dpi to 300, the best colour and format, and the page clipped to the glass', () => {
    expect(resolveScanSettings({}, CAPS)).toEqual({
      source: 'platen',
      resolution: 300,
      color_mode: 'color',
      format: 'pdf',
      region: { x: 0, y: 0, width: DEFAULT_PAGE_MM.width, height: 279.4 },
    });
  });

  it('takes defaults only where the source offers them', () => {
    const settings = resolveScanSettings({ source: 'adf' }, CAPS, { resolution: 600, color_mode: 'color', format: 'jpeg' });
    expect(settings).toMatchObject({ source: 'adf', resolution: 300, color_mode: 'gray', format: 'pdf' });
  });

  it('accepts a dpi on the range step, refuses one off it or beyond it', () => {
    expect(resolveScanSettings({ resolution: 1100 }, CAPS).resolution).toBe(1100);
    expect(refusal(() => resolveScanSettings({ resolution: 1150 }, CAPS))).toBe('InvalidRequest: resolution 1150 is not supported by platen; available: 75, 150, 300, 600');
    expect(refusal(() => resolveScanSettings({ resolution: 1300 }, CAPS))).toMatch(/^InvalidRequest: resolution 1300/);
  });

  it('refuses what the chosen source cannot do, naming what it can', () => {
    expect(refusal(() => resolveScanSettings({ source: 'adf_duplex' }, CAPS))).toBe('InvalidRequest: source "adf_duplex" is not supported; available: platen, adf');
    expect(refusal(() => resolveScanSettings({ source: 'adf', color_mode: 'color' }, CAPS))).toBe('InvalidRequest: color_mode "color" is not supported by adf; available: gray');
    expect(refusal(() => resolveScanSettings({ format: 'tiff' }, CAPS))).toBe('InvalidRequest: format "tiff" is not supported by platen; available: jpeg, pdf');
    expect(refusal(() => resolveScanSettings({}, { protocol: 'escl', sources: {} }))).toBe('InvalidRequest: the scanner reports no input source');
  });

  it('bounds the region by the glass (0.5 mm of rounding allowed) and by the minimum size', () => {
    const at = (x: number, y: number, width: number, height: number) => () => resolveScanSettings({ region: { x, y, width, height } }, CAPS);
    expect(refusal(at(0, 0, 216.4, 100))).toBe('accepted');
    expect(refusal(at(0.6, 0, 215.9, 100))).toBe('InvalidRequest: region is wider than platen allows (max 215.9 mm)');
    expect(refusal(at(0, 100, 100, 180))).toBe('InvalidRequest: region is taller than platen allows (max 279.4 mm)');
    expect(refusal(at(0, 0, 9, 100))).toBe('InvalidRequest: region is narrower than platen allows (min 10 mm)');
    expect(refusal(at(0, 0, 100, 9))).toBe('InvalidRequest: region is shorter than platen allows (min 10 mm)');
  });

  it('takes adjustments only in the range the device has, and none it lacks', () => {
    expect(resolveScanSettings({ brightness: 100 }, CAPS).brightness).toBe(100);
    expect(refusal(() => resolveScanSettings({ brightness: 101 }, CAPS))).toBe('InvalidRequest: brightness must be between -100 and 100');
    expect(refusal(() => resolveScanSettings({ contrast: 1 }, CAPS))).toBe('InvalidRequest: contrast is not adjustable on this scanner');
  });
});
