import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ScannerCapabilities, SourceCapabilities } from '../../src/core/capabilities.js';
import { ScanError } from '../../src/core/errors.js';
import { parseScanCommand as parseScanRequest } from '../../src/core/commands.js';
import { parseScannerCapabilities } from '../../src/protocols/escl/capabilities.js';
import { adaptToScanner, fitRegion, nearestResolution } from '../../src/profiles/adapt.js';
import { parseProfilesConfig, type ScanProfile } from '../../src/profiles/profile.js';
import { effectiveChoices, resolveJobPlan } from '../../src/profiles/resolve-job.js';

const FIXTURES = '/work/shared/fixtures/escl/capabilities';

const platen: SourceCapabilities = { resolutions: [75, 150, 300, 600], color_modes: ['color', 'gray'], formats: ['pdf', 'jpeg'], max_width_mm: 215.9, max_height_mm: 297 };
const adf: SourceCapabilities = { resolutions: [150, 300], color_modes: ['color', 'gray', 'bw'], formats: ['pdf', 'jpeg'], max_width_mm: 215.9, max_height_mm: 355.6 };
/** A flatbed with a simplex feeder, like most home MFPs. */
const CAPS: ScannerCapabilities = { protocol: 'escl', sources: { platen, adf }, adjustments: { brightness: { min: -100, max: 100, step: 1 } } };

const PROFILES = new Map(
  parseProfilesConfig({
    document: { source: 'adf_duplex', resolution: 300, color_mode: 'gray', format: 'pdf', page_size: 'a4', targets: ['paperless'], document: { blank_page_threshold: 0.01, ocr_language: 'deu+eng', pdf_title: '{scanner} {date}' } },
    photo: { source: 'platen', resolution: 1200, color_mode: 'color', format: 'png' },
    strict: { source: 'platen', resolution: 1200, adapt: 'refuse' },
    legal: { source: 'platen', page_size: 'legal', contrast: 5, brightness: 500 },
  }).map((p): [string, ScanProfile] => [p.name, p]),
);

function plan(command: object, preferences = {}, scanDefaults = {}, caps = CAPS) {
  return resolveJobPlan({ request: parseScanRequest(command), profiles: PROFILES, preferences, scanDefaults, caps });
}

describe('resolveJobPlan: precedence', () => {
  it('command fields beat the profile, which beats preferences and scan.defaults', () => {
    const p = plan({ profile: 'photo', resolution: 150 }, { color_mode: 'gray', format: 'jpeg', resolution: 75 }, { format: 'pdf' });
    expect(p.settings).toMatchObject({ source: 'platen', resolution: 150, color_mode: 'color' });
    expect(p.profile).toBe('photo');
  });

  it('preferences beat scan.defaults; device defaults fill the rest', () => {
    const p = plan({}, { resolution: 150 }, { resolution: 600, format: 'jpeg' });
    expect(p.settings).toMatchObject({ source: 'platen', resolution: 150, format: 'jpeg', color_mode: 'color' });
    expect(p.profile).toBeUndefined();
    expect(p.targets).toEqual([]);
    expect(p.adapted).toEqual([]);
  });

  it('a bare {} uses the profile chosen in the preferences (the HA Scan button)', () => {
    const p = plan({}, { profile: 'document', resolution: 150 });
    expect(p.profile).toBe('document');
    expect(p.settings.resolution).toBe(300);
    expect(p.targets).toEqual(['paperless']);
    expect(p.document).toMatchObject({ ocr_language: 'deu+eng', blank_page_threshold: 0.01 });
  });

  it('ignores a preferred profile that no longer exists, but refuses an unknown profile in a command', () => {
    expect(plan({}, { profile: 'gone' }).profile).toBeUndefined();
    expect(() => plan({ profile: 'gone' })).toThrow(/unknown profile "gone"/);
  });

  it('keeps refusing explicit command values the scanner cannot do', () => {
    expect(() => plan({ profile: 'photo', resolution: 1200 })).toThrow(ScanError);
    expect(() => plan({ profile: 'photo', resolution: 1200 })).toThrow(/resolution 1200 is not supported/);
  });
});

describe('resolveJobPlan: adaptation', () => {
  it('adapts every profile value to the nearest one the scanner offers and reports each change', () => {
    const p = plan({ profile: 'document' });
    expect(p.settings).toMatchObject({ source: 'adf', resolution: 300, color_mode: 'gray', format: 'pdf', region: { x: 0, y: 0, width: 210, height: 297 } });
    expect(p.adapted).toEqual(['source adf_duplex -> adf']);
    const photo = plan({ profile: 'photo' });
    expect(photo.settings).toMatchObject({ source: 'platen', resolution: 600, format: 'jpeg' });
    expect(photo.adapted).toEqual(['resolution 1200 -> 600', 'format png -> jpeg']);
  });

  it('fits values to the source the command chose', () => {
    const p = plan({ profile: 'photo', source: 'adf' });
    expect(p.settings).toMatchObject({ source: 'adf', resolution: 300 });
    expect(p.adapted).toContain('resolution 1200 -> 300');
  });

  it('clips a page larger than the glass, clamps adjustments, drops ones the device lacks', () => {
    const p = plan({ profile: 'legal' });
    expect(p.settings.region).toEqual({ x: 0, y: 0, width: 215.9, height: 297 });
    expect(p.settings.brightness).toBe(100);
    expect(p.settings.contrast).toBeUndefined();
    expect(p.adapted).toEqual(['region 215.9x355.6 mm -> 215.9x297 mm', 'brightness 500 -> 100', 'contrast 5 -> device default (not adjustable)']);
  });

  it('refuses instead when the profile says adapt: refuse, naming what would change', () => {
    expect(() => plan({ profile: 'strict' })).toThrow(/profile "strict" does not fit this scanner \(adapt: refuse\): resolution 1200 -> 600 would be needed/);
    expect(plan({ profile: 'strict', resolution: 600 }).adapted).toEqual([]);
  });

  it('adapts to real device capabilities (every eSCL fixture)', () => {
    for (const file of ['canon-mf642c.xml', 'brother-mfc-l8690cdw.xml', 'hp-deskjet-2540-ippusb.xml']) {
      const { caps } = parseScannerCapabilities(readFileSync(`${FIXTURES}/${file}`, 'utf8'));
      for (const name of PROFILES.keys()) {
        if (name === 'strict') continue;
        const p = plan({ profile: name }, {}, {}, caps);
        expect(caps.sources[p.settings.source], `${file} ${name}`).toBeDefined();
        expect(caps.sources[p.settings.source]!.color_modes).toContain(p.settings.color_mode);
        expect(caps.sources[p.settings.source]!.formats).toContain(p.settings.format);
      }
    }
  });
});

describe('adaptation helpers', () => {
  it('nearestResolution picks the closest, the higher on a tie, and honours ranges', () => {
    expect(nearestResolution(1200, platen)).toBe(600);
    expect(nearestResolution(225, { ...platen, resolutions: [150, 300] })).toBe(300);
    expect(nearestResolution(100, platen)).toBe(75);
    expect(nearestResolution(333, { ...platen, resolutions: [] }, { min: 50, max: 1200, step: 25 })).toBe(325);
    expect(nearestResolution(5000, { ...platen, resolutions: [] }, { min: 50, max: 1200, step: 1 })).toBe(1200);
  });

  it('colour and format fall back in a sensible order', () => {
    const caps: ScannerCapabilities = { protocol: 'sane', sources: { platen: { ...platen, color_modes: ['bw', 'gray'], formats: ['png', 'tiff'] } } };
    const a = adaptToScanner({ color_mode: 'color', format: 'pdf' }, {}, caps);
    expect(a.request).toMatchObject({ color_mode: 'gray', format: 'tiff' });
    expect(adaptToScanner({ color_mode: 'color' }, { color_mode: 'color' }, caps).adapted).toEqual([]);
  });

  it('fitRegion returns the same region when it fits and moves an offset region inside', () => {
    const r = { x: 0, y: 0, width: 100, height: 100 };
    expect(fitRegion(r, platen)).toBe(r);
    expect(fitRegion({ x: 200, y: 0, width: 100, height: 100 }, platen)).toEqual({ x: 115.9, y: 0, width: 100, height: 100 });
  });

  it('leaves a scanner without sources alone (validation reports it)', () => {
    expect(adaptToScanner({ source: 'adf' }, {}, { protocol: 'escl', sources: {} }).adapted).toEqual([]);
    expect(() => plan({ profile: 'photo' }, {}, {}, { protocol: 'escl', sources: {} })).toThrow(/no input source/);
  });
});

describe('effectiveChoices: what the HA selects show', () => {
  const choices = (preferences = {}, scanDefaults = {}) => effectiveChoices({ profiles: PROFILES, preferences, scanDefaults, caps: CAPS });

  it('is exactly what a bare {} scan would use, whichever layer decided each value', () => {
    const cases: [object, object][] = [[{}, {}], [{ resolution: 150 }, { format: 'jpeg' }], [{}, { source: 'adf', color_mode: 'bw' }], [{ profile: 'photo' }, {}]];
    for (const [preferences, scanDefaults] of cases) {
      const used = plan({}, preferences, scanDefaults);
      expect(choices(preferences, scanDefaults), JSON.stringify([preferences, scanDefaults])).toEqual({
        source: used.settings.source,
        resolution: used.settings.resolution,
        color_mode: used.settings.color_mode,
        format: used.settings.format,
        ...(used.profile ? { profile: used.profile } : {}),
      });
    }
  });

  it('shows the preferred profile\'s values, as a press would use them, and ignores a profile that no longer exists', () => {
    expect(choices({ profile: 'photo', resolution: 150 })).toMatchObject({ profile: 'photo', resolution: 600, format: 'jpeg' });
    expect(choices({ profile: 'gone', resolution: 150 })).toEqual({ source: 'platen', resolution: 150, color_mode: 'color', format: 'pdf' });
  });

  it('throws like the planner when a press would be refused', () => {
    expect(() => choices({ profile: 'strict' })).toThrow(ScanError);
  });
});
