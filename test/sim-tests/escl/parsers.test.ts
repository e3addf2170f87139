import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../../src/core/errors.js';
import { parseDeviceCaps } from '../../sim/escl/device-caps.js';
import { fixturePath } from '../../sim/escl/fixture-path.js';
import { MAX_PAGE_PIXELS, resolveScanSettings } from '../../sim/escl/resolve-settings.js';
import { parseScanSettings } from '../../sim/escl/scan-settings.js';
import { MAX_XML_BYTES, parseXmlTree } from '../../sim/escl/xml-tree.js';
import { scanSettingsXml } from './helpers.js';

const read = (rel: string) => readFileSync(fixturePath(rel), 'utf8');
const capsDir = dirname(fixturePath('escl/capabilities/xerox-b235.xml'));
const capsFixtures = readdirSync(capsDir).filter((name) => name.endsWith('.xml'));

function expectProtocolError(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ScanError);
    expect((error as ScanError).code).toBe('ProtocolError');
    return;
  }
  throw new Error('expected a ScanError');
}

describe('parseDeviceCaps on real capabilities', () => {
  it('reads all 16 device fixtures', () => {
    expect(capsFixtures.length).toBe(16);
    for (const name of capsFixtures) {
      const caps = parseDeviceCaps(read(`escl/capabilities/${name}`));
      const sources = Object.values(caps.sources);
      expect(sources.length, name).toBeGreaterThan(0);
      for (const source of sources) {
        expect(source.maxWidth, name).toBeGreaterThan(0);
        expect(source.colorModes.length, name).toBeGreaterThan(0);
        expect(source.formats.length, name).toBeGreaterThan(0);
        expect(source.resolutions.length + (source.xRange ? 1 : 0), name).toBeGreaterThan(0);
      }
    }
  });

  it('knows the DS-940DW has no platen and a simplex feeder 122 inches long', () => {
    const caps = parseDeviceCaps(read('escl/capabilities/brother-ds-940dw.xml'));
    expect(caps.sources.platen).toBeUndefined();
    expect(caps.sources['adf-simplex']?.maxHeight).toBe(36600);
    expect(caps.sources['adf-duplex']?.maxHeight).toBe(4200);
  });

  it('reads the AirSane fixture: platen + simplex ADF, 6 resolutions, 3 formats', () => {
    const caps = parseDeviceCaps(read('escl/airsane/airsane-ScannerCapabilities.xml'));
    expect(caps.makeAndModel).toBe('Noname frontend-tester');
    expect(caps.uuid).toBe('8ee2d9c0-6510-588d-bbcf-4bc1fd245dda');
    expect(Object.keys(caps.sources).sort()).toEqual(['adf-simplex', 'platen']);
    expect(caps.sources.platen?.resolutions.map(([x]) => x)).toEqual([1, 75, 150, 300, 600, 1200]);
    expect(caps.sources.platen?.formats).toEqual(['application/pdf', 'image/jpeg', 'image/png']);
  });

  it('keeps Kyocera asymmetric resolutions as pairs', () => {
    const caps = parseDeviceCaps(read('escl/capabilities/kyocera-ecosys-m2040dn.xml'));
    const platen = caps.sources.platen;
    if (!platen) throw new Error('no platen');
    expect(platen.resolutions).toContainEqual([200, 100]);
    const ok = resolveScanSettings(parseScanSettings(scanSettingsXml({ xRes: 200, yRes: 100, width: 600, height: 600 })), caps);
    expect(ok.ok).toBe(true);
    if (ok.ok) expect([ok.scan.widthPx, ok.scan.heightPx]).toEqual([400, 200]);
  });

  it('rejects truncated excerpts and non-capabilities documents', () => {
    expectProtocolError(() => parseDeviceCaps(read('escl/partial/ricoh-sp-c261sfnw-capabilities.head.txt')));
    expectProtocolError(() => parseDeviceCaps(read('escl/partial/epson-xp-7100-capabilities.excerpts.txt')));
    expectProtocolError(() => parseDeviceCaps(read('escl/airsane/airsane-ScannerStatus-idle.xml')));
  });
});

describe('parseScanSettings', () => {
  it('reads the sane-airscan request captured against AirSane', () => {
    const settings = parseScanSettings(read('escl/airsane/escl-ScanSettings-A4-300-RGB24-jpeg.xml'));
    expect(settings).toMatchObject({
      inputSource: 'Platen', colorMode: 'RGB24', documentFormat: 'image/jpeg', documentFormatExt: 'image/jpeg',
      xResolution: 300, yResolution: 300, regionUnits: 'escl:ThreeHundredthsOfInches',
    });
    expect(settings.regions).toEqual([{ xOffset: 0, yOffset: 0, width: 2480, height: 3508 }]);
  });

  it("reads HP's own default-namespace requests", () => {
    const platen = parseScanSettings(read('escl/other/hp-client-scansettings-platen.xml'));
    expect(platen.inputSource).toBe('Platen');
    expect(platen.xResolution).toBeGreaterThan(0);
    expect(platen.regions.length).toBe(1);
    const adf = parseScanSettings(read('escl/other/hp-client-scansettings-adf-duplex.xml'));
    expect(adf.inputSource).toBe('Feeder');
    expect(adf.duplex).toBe(true);
  });

  it('matches by namespace URI, not prefix', () => {
    const wrongNs = scanSettingsXml().replace('http://www.pwg.org/schemas/2010/12/sm', 'urn:not-pwg');
    expect(parseScanSettings(wrongNs).inputSource).toBeUndefined();
    expect(parseScanSettings(scanSettingsXml({ inputSource: 'Feeder' })).inputSource).toBe('Feeder');
  });

  it('refuses malformed and hostile bodies with ProtocolError', () => {
    const hostile = [
      '',
      'not xml at all',
      scanSettingsXml().slice(0, 200),
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><x>&lol2;</x>',
      scanSettingsXml().replace('<e:XResolution>75<', '<e:XResolution>-75<'),
      scanSettingsXml().replace('<e:XResolution>75<', '<e:XResolution>99999999999999999999<'),
      scanSettingsXml().replace('<p:Width>2480</p:Width>', ''),
      scanSettingsXml({ duplex: true }).replace('<e:Duplex>true', '<e:Duplex>maybe'),
      `<a>${'<b>'.repeat(100)}${'</b>'.repeat(100)}</a>`,
      `<e:ScanSettings xmlns:e="http://schemas.hp.com/imaging/escl/2011/05/03">${' '.repeat(MAX_XML_BYTES)}</e:ScanSettings>`,
      '<scan:ScannerStatus xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03"/>',
    ];
    for (const body of hostile) expectProtocolError(() => parseScanSettings(body));
  });

  it('rejects documents with two roots', () => {
    expectProtocolError(() => parseXmlTree('<a/><b/>'));
  });
});

describe('resolveScanSettings (the 201/409 decision)', () => {
  const caps = parseDeviceCaps(read('escl/airsane/airsane-ScannerCapabilities.xml'));
  const decide = (fields: Parameters<typeof scanSettingsXml>[0]) => resolveScanSettings(parseScanSettings(scanSettingsXml(fields)), caps);

  it('accepts a valid request and computes pixels from 1/300 inch', () => {
    const outcome = decide({ xRes: 150, width: 2480, height: 3508 });
    expect(outcome.ok && [outcome.scan.widthPx, outcome.scan.heightPx]).toEqual([1240, 1754]);
  });

  it('rejects what the device does not list', () => {
    expect(decide({ colorMode: 'BlackAndWhite1' }).ok).toBe(false);
    expect(decide({ format: 'image/tiff' }).ok).toBe(false);
    expect(decide({ xRes: 100 }).ok).toBe(false);
    expect(decide({ inputSource: 'Camera' }).ok).toBe(false);
    expect(decide({ inputSource: 'Feeder', duplex: true }).ok).toBe(false);
    expect(decide({ inputSource: 'Tray7' }).ok).toBe(false);
    expect(decide({ width: 4206 }).ok).toBe(false);
    expect(decide({ xOffset: 100, width: 4200 }).ok).toBe(false);
    expect(decide({ width: 0 }).ok).toBe(false);
  });

  it('refuses pages too large to render', () => {
    const huge = parseDeviceCaps(read('escl/capabilities/brother-ds-940dw.xml'));
    const outcome = resolveScanSettings(parseScanSettings(scanSettingsXml({ inputSource: 'Feeder', xRes: 600, width: 2550, height: 36600 })), huge);
    expect(outcome.ok).toBe(false);
    expect(MAX_PAGE_PIXELS).toBeLessThan(5100 * 73200);
  });
});
