/** Descriptors → capabilities and settings → option writes (pure). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SaneCap, SaneConstraintType, SaneUnit, SaneValueType } from '../../../src/protocols/sane/constants.js';
import type { SaneConstraint, SaneOptionDescriptor } from '../../../src/protocols/sane/descriptors.js';
import { optionValueFor, settingsToWrites } from '../../../src/protocols/sane/from-domain.js';
import { buttonOptions, capabilitiesFromDescriptors, modeFromSane, sourceFromSane } from '../../../src/protocols/sane/to-domain.js';
import { toSaneFixed } from '../../../src/protocols/sane/wire-writer.js';
import { smallScan } from './helpers.js';
import { FIXTURES as SHARED_FIXTURES } from '../../helpers/fixtures.js';

interface FixtureOption { name: string; type: number; unit: number; size: number; cap: number; ctype: number; strings?: (string | null)[]; words?: number[]; range?: number[] }
const fixture = JSON.parse(readFileSync(`${SHARED_FIXTURES}/sane/saned-test-backend-options.json`, 'utf8')) as { options: FixtureOption[] };

function constraintOf(o: FixtureOption): SaneConstraint {
  if (o.ctype === SaneConstraintType.StringList) return { kind: 'string_list', strings: (o.strings ?? []).filter((s): s is string => s !== null) };
  if (o.ctype === SaneConstraintType.WordList) return { kind: 'word_list', words: (o.words ?? []).slice(1) };
  if (o.ctype === SaneConstraintType.Range) { const [min = 0, max = 0, quant = 0] = o.range ?? []; return { kind: 'range', range: { min, max, quant } }; }
  return { kind: 'none' };
}
const testOptions: SaneOptionDescriptor[] = fixture.options.map((o, index) => ({ index, name: o.name, title: '', desc: '', type: o.type, unit: o.unit, size: o.size, cap: o.cap, constraint: constraintOf(o) }));

const opt = (name: string, type: SaneValueType, unit: number, constraint: SaneConstraint, cap = SaneCap.SoftSelect | SaneCap.SoftDetect, size = 4): SaneOptionDescriptor =>
  ({ index: 0, name, title: name, desc: '', type, unit, size, cap, constraint });

/** A made-up vendor backend: its own spellings, word-list dpi, pixel geometry, adjustments, sensors. */
const vendor: SaneOptionDescriptor[] = [
  opt('source', SaneValueType.String, 0, { kind: 'string_list', strings: ['FB', 'ADF Front', 'ADF Duplex', 'Transparency Adapter'] }, 5, 32),
  opt('mode', SaneValueType.String, 0, { kind: 'string_list', strings: ['Black & White', 'Grayscale', 'Colour'] }, 5, 32),
  opt('resolution', SaneValueType.Int, SaneUnit.Dpi, { kind: 'word_list', words: [150, 300, 600] }),
  opt('tl-x', SaneValueType.Int, SaneUnit.Pixel, { kind: 'range', range: { min: 0, max: 5100, quant: 1 } }),
  opt('tl-y', SaneValueType.Int, SaneUnit.Pixel, { kind: 'range', range: { min: 0, max: 7014, quant: 1 } }),
  opt('br-x', SaneValueType.Int, SaneUnit.Pixel, { kind: 'range', range: { min: 0, max: 5100, quant: 1 } }),
  opt('br-y', SaneValueType.Int, SaneUnit.Pixel, { kind: 'range', range: { min: 0, max: 7014, quant: 1 } }),
  opt('brightness', SaneValueType.Int, 0, { kind: 'range', range: { min: -100, max: 100, quant: 1 } }),
  opt('contrast', SaneValueType.Fixed, SaneUnit.Percent, { kind: 'range', range: { min: toSaneFixed(-50), max: toSaneFixed(50), quant: toSaneFixed(0.5) } }),
  opt('scan', SaneValueType.Bool, 0, { kind: 'none' }, SaneCap.SoftDetect | SaneCap.HardSelect),
  opt('email', SaneValueType.Bool, 0, { kind: 'none' }, SaneCap.SoftDetect),
  opt('page-loaded', SaneValueType.Bool, 0, { kind: 'none' }, SaneCap.SoftDetect | SaneCap.Advanced),
  opt('lamp-off', SaneValueType.Bool, 0, { kind: 'none' }, SaneCap.SoftDetect | SaneCap.SoftSelect),
  opt('copy', SaneValueType.Int, 0, { kind: 'none' }, SaneCap.SoftDetect | SaneCap.Inactive),
];

describe('SANE options → capabilities', () => {
  it('maps the real test backend options', () => {
    const caps = capabilitiesFromDescriptors(testOptions, { vendor: 'Noname', model: 'frontend-tester' });
    expect(caps).toMatchObject({ protocol: 'sane', manufacturer: 'Noname', model: 'frontend-tester', resolution_range: { min: 1, max: 1200, step: 1 } });
    expect(Object.keys(caps.sources)).toEqual(['platen', 'adf']);
    expect(caps.sources.adf).toEqual({ resolutions: [75, 100, 150, 200, 300, 400, 600, 1200], color_modes: ['color', 'gray', 'bw'], formats: ['pdf', 'jpeg', 'png', 'tiff'], max_width_mm: 200, max_height_mm: 200 });
    expect(caps.buttons).toBeUndefined();
    expect(caps.adjustments).toBeUndefined();
  });

  it('maps vendor spellings, pixel geometry, adjustments and sensors', () => {
    const caps = capabilitiesFromDescriptors(vendor);
    expect(Object.keys(caps.sources).sort()).toEqual(['adf', 'adf_duplex', 'platen']);
    expect(caps.sources.platen).toMatchObject({ resolutions: [150, 300, 600], color_modes: ['color', 'gray', 'bw'], max_width_mm: 215.9, max_height_mm: 296.9 });
    expect(caps.resolution_range).toBeUndefined();
    expect(caps.adjustments).toEqual({ brightness: { min: -100, max: 100, step: 1 }, contrast: { min: -50, max: 50, step: 0.5 } });
    expect(caps.buttons).toEqual(['scan', 'email', 'page-loaded']);
    expect(buttonOptions(vendor).map((o) => o.name)).not.toContain('lamp-off');
  });

  it('says it pushes button presses only when it has sensors to read', () => {
    expect(capabilitiesFromDescriptors(vendor).events).toEqual(['button']);
    expect(capabilitiesFromDescriptors(testOptions).events).toBeUndefined();
  });

  it('knows the usual names', () => {
    expect(['Flatbed', 'Platen', 'FB', 'ADF', 'Automatic Document Feeder', 'ADF Front', 'ADF Duplex', 'Duplex', 'Transparency'].map(sourceFromSane))
      .toEqual(['platen', 'platen', 'platen', 'adf', 'adf', 'adf', 'adf_duplex', 'adf_duplex', undefined]);
    expect(['Color', 'Colour', 'RGB', 'Gray', 'Grey', 'Grayscale', 'Lineart', 'Binary', 'Black & White', 'Halftone'].map(modeFromSane))
      .toEqual(['color', 'color', 'color', 'gray', 'gray', 'gray', 'bw', 'bw', 'bw', 'bw']);
  });

  it('defaults to a platen when there is no source option', () => {
    const caps = capabilitiesFromDescriptors(vendor.filter((o) => o.name !== 'source'));
    expect(Object.keys(caps.sources)).toEqual(['platen']);
  });
});

describe('settings → SANE option writes', () => {
  it('orders source, mode, resolution, geometry, adjustments', () => {
    const writes = settingsToWrites(vendor, smallScan({ source: 'adf_duplex', color_mode: 'bw', resolution: 300, brightness: 10, region: { x: 5, y: 10, width: 100, height: 50 } }));
    expect(writes.map((w) => w.name)).toEqual(['source', 'mode', 'resolution', 'tl-x', 'tl-y', 'br-x', 'br-y', 'brightness']);
    expect(writes[0]).toMatchObject({ text: 'ADF Duplex' });
    expect(writes[1]).toMatchObject({ text: 'Black & White' });
  });

  it('reaches line art on the test backend through Gray at depth 1, and restores depth 8 after', () => {
    expect(settingsToWrites(testOptions, smallScan({ color_mode: 'bw' })).slice(0, 3)).toEqual([
      { name: 'source', kind: 'text', text: 'Flatbed' }, { name: 'mode', kind: 'text', text: 'Gray' }, { name: 'depth', kind: 'number', value: 1 }]);
    expect(settingsToWrites(testOptions, smallScan({ color_mode: 'gray' })).find((w) => w.name === 'depth')).toEqual({ name: 'depth', kind: 'number', value: 8 });
  });

  it('converts mm to pixels and fixed point, snapping into constraints', () => {
    const brx = vendor.find((o) => o.name === 'br-x')!;
    expect(optionValueFor(brx, { name: 'br-x', kind: 'mm', mm: 25.4, dpi: 300 })).toEqual([300]);
    expect(optionValueFor(brx, { name: 'br-x', kind: 'mm', mm: 1000, dpi: 600 })).toEqual([5100]);
    const res = vendor.find((o) => o.name === 'resolution')!;
    expect(optionValueFor(res, { name: 'resolution', kind: 'number', value: 250 })).toEqual([300]);
    const tlx = testOptions.find((o) => o.name === 'tl-x')!;
    expect(optionValueFor(tlx, { name: 'tl-x', kind: 'mm', mm: 10.4, dpi: 75 })).toEqual([toSaneFixed(10)]);
  });

  it('refuses a source or mode the device lacks', () => {
    expect(() => settingsToWrites(testOptions, smallScan({ source: 'adf_duplex' }))).toThrow(/source adf_duplex/);
    expect(() => settingsToWrites(vendor.map((o) => (o.name === 'mode' ? { ...o, constraint: { kind: 'string_list' as const, strings: ['Colour'] } } : o)), smallScan({ color_mode: 'gray' }))).toThrow(/colour mode gray/);
  });
});
