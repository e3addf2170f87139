import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderTitle, toDocumentOptions } from '../../src/profiles/document-options.js';
import { checkProfileTargets, MAX_PROFILES, parseProfilesConfig } from '../../src/profiles/profile.js';
import { profileRequest } from '../../src/profiles/resolve-job.js';

describe('parseProfilesConfig', () => {
  it('reads a full profile and fills defaults', () => {
    const [p] = parseProfilesConfig({ document: { source: 'adf_duplex', resolution: 300, color_mode: 'gray', format: 'pdf', page_size: 'a4', document: { duplex_order: 'fronts-then-reversed-backs', multipage_tiff: false }, targets: 'paperless' } });
    expect(p).toEqual({ name: 'document', source: 'adf_duplex', resolution: 300, color_mode: 'gray', format: 'pdf', page_size: 'a4', document: { duplex_order: 'fronts-then-reversed-backs', multipage_tiff: false }, targets: ['paperless'], adapt: 'nearest' });
    expect(profileRequest(p!).region).toEqual({ x: 0, y: 0, width: 210, height: 297 });
    expect(parseProfilesConfig(undefined)).toEqual([]);
  });

  it.each([
    [{ d: { resolution: 'high' } }, /^profiles\.d\.resolution: must be an integer/],
    [{ d: { resolution: 0 } }, /^profiles\.d\.resolution/],
    [{ d: { source: 'feeder' } }, /^profiles\.d\.source: must be one of platen, adf, adf_duplex/],
    [{ d: { dpi: 300 } }, /^profiles\.d\.dpi: is not a known profile field/],
    [{ d: { document: { ocr: 'deu' } } }, /^profiles\.d\.document\.ocr: is not a known field/],
    [{ d: { document: { ocr_language: 'deu; rm -rf' } } }, /^profiles\.d\.document\.ocr_language/],
    [{ d: { document: { blank_page_threshold: 2 } } }, /^profiles\.d\.document\.blank_page_threshold/],
    [{ d: { region: { x: 0, y: 0, width: 10 } } }, /^profiles\.d\.region\.height: is required/],
    [{ d: { region: { x: 0, y: 0, width: 10, height: 10 }, page_size: 'a4' } }, /^profiles\.d\.page_size: give either/],
    [{ d: { page_size: 'a3' } }, /^profiles\.d\.page_size: must be one of/],
    [{ d: { adapt: 'maybe' } }, /^profiles\.d\.adapt: must be one of nearest, refuse/],
    [{ d: { targets: ['a b'] } }, /^profiles\.d\.targets/],
    [{ 'bad name': {} }, /^profiles\.bad name: names may hold/],
    [{ d: 'adf' }, /^profiles\.d: must be a mapping/],
    [[], /^profiles: must be a mapping/],
  ])('names the key for %j', (value, message) => {
    expect(() => parseProfilesConfig(value)).toThrow(message);
  });

  it('bounds the number of profiles', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_PROFILES + 1 }, (_, i) => [`p${i}`, {}]));
    expect(() => parseProfilesConfig(many)).toThrow(/at most 64/);
  });

  it('never throws anything but a keyed Error on hostile input', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.anything()), (value) => {
        try {
          parseProfilesConfig(value);
        } catch (error) {
          expect(error).toBeInstanceOf(Error);
          expect((error as Error).message).toMatch(/^profiles/);
        }
      }),
    );
  });

  it('checkProfileTargets names a profile that refers to an unknown target', () => {
    const profiles = parseProfilesConfig({ d: { targets: ['nas'] } });
    expect(() => checkProfileTargets(profiles, ['paperless'])).toThrow('profiles.d.targets: unknown target "nas" (configured: paperless)');
    expect(() => checkProfileTargets(profiles, ['nas'])).not.toThrow();
  });
});

describe('document options', () => {
  const ctx = { scanner: 'Office', job: 'j1', profile: 'document', createdAt: new Date(2026, 0, 2, 3, 4, 5) };

  it('renders the title template and maps to the storage options', () => {
    expect(renderTitle('{profile} from {scanner} on {date} {time} ({job}) {nope}', ctx)).toBe('document from Office on 2026-01-02 03-04-05 (j1) {nope}');
    expect(toDocumentOptions({ blank_page_threshold: 0.01, ocr_language: 'deu', pdf_title: '{scanner}', multipage_tiff: true, duplex_order: 'as-delivered' }, ctx)).toEqual({
      blankPages: { threshold: 0.01 },
      ocr: { language: 'deu' },
      metadata: { title: 'Office' },
      multipageTiff: true,
      duplexOrder: 'as-delivered',
    });
    expect(toDocumentOptions({}, ctx)).toBeUndefined();
  });
});
