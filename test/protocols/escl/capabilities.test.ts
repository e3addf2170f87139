import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../../src/core/errors.js';
import { parseScannerCapabilities } from '../../../src/protocols/escl/capabilities.js';
import { FIXTURES as SHARED_FIXTURES } from '../../helpers/fixtures.js';

const FIXTURES = `${SHARED_FIXTURES}/escl`;
const read = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');
const capsFiles = [
  ...readdirSync(join(FIXTURES, 'capabilities')).map((f) => `capabilities/${f}`),
  'airsane/airsane-ScannerCapabilities.xml',
];

describe('parseScannerCapabilities on every real device', () => {
  it.each(capsFiles)('%s parses into a usable model', (file) => {
    const { caps, native } = parseScannerCapabilities(read(file));
    expect(caps.protocol).toBe('escl');
    expect(Object.keys(caps.sources).length).toBeGreaterThan(0);
    for (const [name, source] of Object.entries(caps.sources)) {
      expect(source.resolutions.length, name).toBeGreaterThan(0);
      expect(source.color_modes.length, name).toBeGreaterThan(0);
      expect(source.formats).toContain('pdf');
      expect(source.max_width_mm).toBeGreaterThan(100);
      expect(native.sources[name as keyof typeof native.sources]).toBeDefined();
    }
  });
});

describe('field by field', () => {
  it('Brother MFC-L8690CDW: platen, ADF, duplex, DocumentFormatExt', () => {
    const r = parseScannerCapabilities(read('capabilities/brother-mfc-l8690cdw.xml'));
    expect(r.uuid).toBe('00000000-0000-1000-8000-0018d7024a10');
    expect(r.version).toBe('2.62');
    expect(r.adminUri).toBe('http://192.168.200.122/net/net/airprint.html');
    expect(r.caps.uuid).toBe(r.uuid);
    expect(r.caps.admin_url).toBe(r.adminUri);
    expect(r.caps.manufacturer).toBe('Brother');
    expect(r.caps.model).toBe('Brother MFC-L8690CDW series');
    expect(r.caps.sources.platen).toEqual({
      resolutions: [100, 200, 300, 600],
      color_modes: ['color', 'gray', 'bw'],
      formats: ['pdf', 'jpeg', 'png', 'tiff'],
      min_width_mm: 1.4,
      min_height_mm: 1.4,
      max_width_mm: 215.9,
      max_height_mm: 296.9,
    });
    expect(r.caps.sources.adf?.max_height_mm).toBe(355.6);
    expect(r.caps.sources.adf_duplex).toBeDefined();
    expect(r.caps.resolution_range).toBeUndefined();
    expect(r.caps.adjustments).toBeUndefined();
    const platen = r.native.sources.platen;
    expect(platen?.formatExt).toBe(true);
    expect(platen?.formats).toEqual(['application/pdf', 'image/jpeg']);
    expect(platen?.colorModes).toEqual(['BlackAndWhite1', 'Grayscale8', 'RGB24']);
    expect(platen?.maxWidth).toBe(2550);
  });

  it('HP Color LaserJet M283fdw: Manufacturer element, contrast range, no bw, "NULL" serial dropped', () => {
    const r = parseScannerCapabilities(read('capabilities/hp-color-laserjet-mfp-m283fdw.xml'));
    expect(r.caps.manufacturer).toBe('HP');
    expect(r.caps.serial).toBeUndefined();
    expect(r.caps.sources.platen?.color_modes).toEqual(['color', 'gray']);
    expect(r.caps.sources.platen?.resolutions).toEqual([75, 150, 200, 300, 600, 1200]);
    expect(r.caps.sources.adf?.resolutions).toEqual([75, 150, 200, 300]);
    expect(r.caps.sources.adf_duplex).toBeUndefined();
    expect(r.caps.adjustments).toEqual({ contrast: { min: -127, max: 127, step: 1, default: 0 } });
    expect(r.native.adjustments.brightness).toBeUndefined();
  });

  it('Kyocera M2040dn: asymmetric resolutions are intersected, pairs kept natively', () => {
    const r = parseScannerCapabilities(read('capabilities/kyocera-ecosys-m2040dn.xml'));
    expect(r.caps.sources.platen?.resolutions).toEqual([200, 300, 400, 600]);
    expect(r.native.sources.platen?.resolutions).toContainEqual({ x: 200, y: 100 });
    expect(r.native.sources.platen?.resolutions).toContainEqual({ x: 200, y: 400 });
    expect(r.native.sources.platen?.formatExt).toBe(false);
    expect(r.caps.sources.adf?.min_width_mm).toBe(50);
    expect(r.caps.sources.adf_duplex?.max_height_mm).toBe(356);
    expect(r.caps.serial).toBe('VCF9192281');
  });

  it('Brother DS-940DW: no platen, 122-inch sheet-fed ADF, duplex', () => {
    const r = parseScannerCapabilities(read('capabilities/brother-ds-940dw.xml'));
    expect(r.caps.sources.platen).toBeUndefined();
    expect(r.caps.sources.adf?.max_height_mm).toBe(3098.8);
    expect(r.caps.sources.adf_duplex?.max_height_mm).toBe(355.6);
    expect(r.native.sources.adf?.formats).toContain('application/octet-stream');
    // MakeAndModel "DS-940DW" names no maker; none is invented from it.
    expect(r.caps.manufacturer).toBeUndefined();
  });

  it('Xerox B235: eSCL 2.9, brightness children without a namespace, native TIFF', () => {
    const r = parseScannerCapabilities(read('capabilities/xerox-b235.xml'));
    expect(r.version).toBe('2.9');
    expect(r.caps.manufacturer).toBe('Xerox');
    expect(r.caps.adjustments?.brightness).toEqual({ min: 1, max: 9, step: 1, default: 5 });
    expect(r.native.sources.platen?.formats).toContain('image/tiff');
  });

  it('Canon D570: platen only, no bw', () => {
    const r = parseScannerCapabilities(read('capabilities/canon-d570.xml'));
    expect(Object.keys(r.caps.sources)).toEqual(['platen']);
    expect(r.caps.sources.platen?.color_modes).toEqual(['color', 'gray']);
    expect(r.caps.sources.platen?.resolutions).toEqual([75, 150, 300]);
  });

  it('Epson XP-7100 excerpts: scan:default attributes and late ContentTypes, once stitched into one document', () => {
    const text = read('partial/epson-xp-7100-capabilities.excerpts.txt');
    const lines = text.split('\n').filter((l) => !l.startsWith('#'));
    const start = lines.findIndex((l) => l.includes('<scan:ColorSpaces>'));
    const end = lines.findIndex((l) => l.includes('RiskyBottomMargin'));
    const doc = [...lines.slice(0, start), '</scan:DocumentFormats>', ...lines.slice(start, end + 1), '</scan:PlatenInputCaps></scan:Platen></scan:ScannerCapabilities>'].join('\n');
    const r = parseScannerCapabilities(doc);
    expect(r.caps.manufacturer).toBe('EPSON');
    expect(r.version).toBe('2.63');
    expect(r.caps.sources.platen?.min_width_mm).toBe(8.1);
    expect(r.caps.sources.platen?.color_modes).toEqual(['color', 'gray', 'bw']);
    // The excerpt lost its resolutions; none are invented.
    expect(r.caps.sources.platen?.resolutions).toEqual([]);
  });

  it.each(['partial/epson-xp-7100-capabilities.excerpts.txt', 'partial/ricoh-sp-c261sfnw-capabilities.head.txt'])('%s as pasted fails with a ProtocolError', (file) => {
    expect(() => parseScannerCapabilities(read(file))).toThrow(ScanError);
    try {
      parseScannerCapabilities(read(file));
    } catch (error) {
      expect((error as ScanError).code).toBe('ProtocolError');
    }
  });
});

const NS = 'xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm"';
const inputCaps = (inner: string) => `<scan:MinWidth>16</scan:MinWidth><scan:MaxWidth>2550</scan:MaxWidth><scan:MinHeight>16</scan:MinHeight><scan:MaxHeight>3508</scan:MaxHeight>${inner}`;
const profile = (modes: string[], formats: string[], res: string, attrs = '') =>
  `<scan:SettingProfile${attrs}><scan:ColorModes>${modes.map((m) => `<scan:ColorMode>${m}</scan:ColorMode>`).join('')}</scan:ColorModes>` +
  `<scan:DocumentFormats>${formats.map((f) => `<pwg:DocumentFormat>${f}</pwg:DocumentFormat>`).join('')}</scan:DocumentFormats>` +
  `<scan:SupportedResolutions>${res}</scan:SupportedResolutions></scan:SettingProfile>`;
const range = (min: number, max: number, step: number) => `<scan:Min>${min}</scan:Min><scan:Max>${max}</scan:Max><scan:Normal>300</scan:Normal><scan:Step>${step}</scan:Step>`;
const discrete = (...dpi: number[]) => `<scan:DiscreteResolutions>${dpi.map((d) => `<scan:DiscreteResolution><scan:XResolution>${d}</scan:XResolution><scan:YResolution>${d}</scan:YResolution></scan:DiscreteResolution>`).join('')}</scan:DiscreteResolutions>`;

describe('shapes not in the captured fixtures', () => {
  it('ResolutionRange gives the usual steps inside it and a resolution_range', () => {
    const xml = `<scan:ScannerCapabilities ${NS}><pwg:Version>2.6</pwg:Version><pwg:MakeAndModel>Test Range</pwg:MakeAndModel><scan:Platen><scan:PlatenInputCaps>${inputCaps(
      `<scan:SettingProfiles>${profile(['RGB24'], ['image/jpeg'], `<scan:ResolutionRange><scan:XResolutionRange>${range(50, 1200, 1)}</scan:XResolutionRange><scan:YResolutionRange>${range(50, 600, 1)}</scan:YResolutionRange></scan:ResolutionRange>`)}</scan:SettingProfiles>`,
    )}</scan:PlatenInputCaps></scan:Platen></scan:ScannerCapabilities>`;
    const r = parseScannerCapabilities(xml);
    expect(r.caps.resolution_range).toEqual({ min: 50, max: 600, step: 1 });
    expect(r.caps.sources.platen?.resolutions).toEqual([75, 100, 150, 200, 300, 400, 600]);
    expect(r.native.sources.platen?.resolutionRange?.x.max).toBe(1200);
  });

  it('shared root SettingProfiles referenced by name, several profiles per source are merged', () => {
    const xml = `<scan:ScannerCapabilities ${NS}><pwg:MakeAndModel>Shared Profiles</pwg:MakeAndModel>
      <scan:SettingProfiles>${profile(['RGB24'], ['image/jpeg'], discrete(300), ' name="p1"')}${profile(['BlackAndWhite1'], ['application/pdf'], discrete(600), ' name="p2"')}</scan:SettingProfiles>
      <scan:Platen><scan:PlatenInputCaps>${inputCaps('<scan:SettingProfiles><scan:SettingProfile ref="p1"/><scan:SettingProfile ref="p2"/><scan:SettingProfile ref="missing"/></scan:SettingProfiles>')}</scan:PlatenInputCaps></scan:Platen>
      <scan:Adf><scan:AdfSimplexInputCaps>${inputCaps(`<scan:SettingProfiles>${profile(['Grayscale16'], ['image/png'], discrete(150))}${profile(['RGB48'], ['image/png'], discrete(150, 300))}</scan:SettingProfiles>`)}</scan:AdfSimplexInputCaps>
      <scan:AdfOptions><scan:AdfOption>Duplex</scan:AdfOption></scan:AdfOptions></scan:Adf></scan:ScannerCapabilities>`;
    const r = parseScannerCapabilities(xml);
    // "Shared" is no known vendor: the maker is left out rather than invented.
    expect(r.caps.manufacturer).toBeUndefined();
    expect(r.caps.sources.platen?.color_modes).toEqual(['color', 'bw']);
    expect(r.caps.sources.platen?.resolutions).toEqual([300, 600]);
    expect(r.native.sources.platen?.formats).toEqual(['image/jpeg', 'application/pdf']);
    expect(r.caps.sources.adf?.color_modes).toEqual(['color', 'gray']);
    expect(r.caps.sources.adf?.resolutions).toEqual([150, 300]);
    // AdfOptions Duplex without AdfDuplexInputCaps: duplex uses the simplex caps.
    expect(r.caps.sources.adf_duplex).toEqual(r.caps.sources.adf);
  });

  it('an Adf with only AdfDuplexInputCaps (AirSane once) offers adf and adf_duplex; Camera is ignored', () => {
    const xml = `<scan:ScannerCapabilities ${NS}><scan:Camera><scan:CameraInputCaps>${inputCaps(profile(['RGB24'], ['image/jpeg'], discrete(300)))}</scan:CameraInputCaps></scan:Camera>
      <scan:Adf><scan:AdfDuplexInputCaps>${inputCaps(`<scan:SettingProfiles>${profile(['RGB24'], ['application/pdf'], discrete(300))}</scan:SettingProfiles>`)}</scan:AdfDuplexInputCaps></scan:Adf></scan:ScannerCapabilities>`;
    const r = parseScannerCapabilities(xml);
    expect(Object.keys(r.caps.sources).sort()).toEqual(['adf', 'adf_duplex']);
    // PDF only: nothing to convert from, so only pdf is offered.
    expect(r.caps.sources.adf?.formats).toEqual(['pdf']);
    expect(r.caps.manufacturer).toBeUndefined();
    expect(r.caps.model).toBeUndefined();
    expect(r.caps.uuid).toBeUndefined();
  });

  it('a document in the default namespaces (HP client style) parses like prefixed ones', () => {
    const xml = `<ScannerCapabilities xmlns="http://schemas.hp.com/imaging/escl/2011/05/03"><MakeAndModel xmlns="http://www.pwg.org/schemas/2010/12/sm">HP X</MakeAndModel>
      <Platen><PlatenInputCaps><MaxWidth>2550</MaxWidth><MaxHeight>3508</MaxHeight><SettingProfiles><SettingProfile><ColorModes><ColorMode>RGB24</ColorMode></ColorModes>
      <DocumentFormats><DocumentFormat xmlns="http://www.pwg.org/schemas/2010/12/sm">image/jpeg</DocumentFormat></DocumentFormats>
      <SupportedResolutions>${discrete(300).replace(/scan:/g, '')}</SupportedResolutions></SettingProfile></SettingProfiles></PlatenInputCaps></Platen></ScannerCapabilities>`;
    const r = parseScannerCapabilities(xml);
    expect(r.caps.model).toBe('HP X');
    expect(r.caps.sources.platen?.resolutions).toEqual([300]);
    expect(r.caps.sources.platen?.min_width_mm).toBeUndefined();
  });

  it('elements in a foreign namespace are not taken for eSCL ones', () => {
    const xml = `<scan:ScannerCapabilities xmlns:scan="http://example.com/not-escl"><scan:Platen/></scan:ScannerCapabilities>`;
    expect(() => parseScannerCapabilities(xml)).toThrow(/unexpected root element/);
  });
});
