/**
 * The eSCL server's codec against the client's parsers (round trips) and against real documents:
 * captured device capabilities re-served, and the ScanSettings real clients sent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../helpers/fixtures.js';
import { scanErrorOf } from '../../helpers/scan-errors.js';
import { parseScannerCapabilities } from '../../../src/protocols/escl/capabilities.js';
import { parseScannerStatus } from '../../../src/protocols/escl/status.js';
import { buildScanSettingsXml } from '../../../src/protocols/escl/scan-settings.js';
import { encodeScannerCapabilities } from '../../../src/protocols/escl/server-capabilities.js';
import { encodeScanImageInfo, encodeScannerStatus } from '../../../src/protocols/escl/server-status.js';
import { MAX_SCAN_SETTINGS_BYTES, decodeScanSettings, toScanCommand } from '../../../src/protocols/escl/scan-settings-in.js';
import { parseXmlDocument } from '../../../src/protocols/escl/xml.js';

const fixture = (path: string) => readFileSync(join(FIXTURES, 'escl', path), 'utf8');
const IDENTITY = { uuid: '0b9a8e1c-1111-4222-8333-444455556666', makeAndModel: 'Noname <frontend> & tester', adminUri: 'http://h:8090/', iconUri: 'http://h:8090/icon.png' };
const DEVICES = ['capabilities/brother-ds-940dw.xml', 'capabilities/kyocera-ecosys-m2040dn.xml', 'capabilities/hp-officejet-pro-6978.xml', 'capabilities/canon-mf642c.xml', 'airsane/airsane-ScannerCapabilities.xml'];

describe('ScannerCapabilities encoder', () => {
  it.each(DEVICES)('re-serves %s so the client parser reads the same sources, modes, resolutions and areas', (path) => {
    const original = parseScannerCapabilities(fixture(path)).caps;
    const served = parseScannerCapabilities(encodeScannerCapabilities(original, IDENTITY));
    expect(served.uuid).toBe(IDENTITY.uuid);
    expect(served.makeAndModel).toBe(IDENTITY.makeAndModel);
    expect(Object.keys(served.caps.sources).sort()).toEqual(Object.keys(original.sources).sort());
    for (const [name, src] of Object.entries(original.sources)) {
      const back = served.caps.sources[name as keyof typeof original.sources]!;
      expect(back.color_modes).toEqual(src!.color_modes);
      expect(back.resolutions.length).toBeGreaterThan(0);
      expect(back.resolutions.every((dpi) => src!.resolutions.includes(dpi))).toBe(true);
      expect(Math.abs(back.max_width_mm - src!.max_width_mm)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(back.max_height_mm - src!.max_height_mm)).toBeLessThanOrEqual(0.1);
      expect(served.native.sources[name as 'platen']!.formats).toEqual(expect.arrayContaining(['application/pdf', 'image/jpeg', 'image/png']));
    }
  });

  it('offers discrete resolutions for a device that only has a range', () => {
    const caps = { protocol: 'sane', sources: { platen: { resolutions: [], color_modes: ['color' as const], formats: ['png' as const], max_width_mm: 215.9, max_height_mm: 297 } }, resolution_range: { min: 50, max: 600, step: 1 } };
    const served = parseScannerCapabilities(encodeScannerCapabilities(caps, IDENTITY));
    expect(served.native.sources.platen!.resolutions.map((r) => r.x)).toEqual([75, 100, 150, 200, 300, 400, 600]);
    expect(served.native.sources.platen!.resolutionRange).toBeUndefined();
  });
});

describe('ScannerStatus and ScanImageInfo encoders', () => {
  it('round-trips state, feeder and jobs through the client parser', () => {
    const job = { uri: '/eSCL/ScanJobs/abc', uuid: 'abc', age: 3.7, imagesCompleted: 2, imagesToTransfer: 1, state: 'Processing' as const, stateReasons: ['JobScanning'] };
    const parsed = parseScannerStatus(encodeScannerStatus({ state: 'processing', adf: 'empty', jobs: [job] }));
    expect(parsed.status).toEqual({ state: 'processing', adf: 'empty' });
    expect(parsed.jobs).toEqual([{ uri: '/eSCL/ScanJobs/abc', uuid: 'abc', age: 3, imagesCompleted: 2, imagesToTransfer: 1, state: 'Processing', stateReasons: ['JobScanning'] }]);
    expect(parseScannerStatus(encodeScannerStatus({ state: 'offline', adf: null, jobs: [] })).status).toEqual({ state: 'stopped', adf: null, reasons: undefined } as never);
  });

  it('writes ScanImageInfo with the fields HP devices send', () => {
    const root = parseXmlDocument(encodeScanImageInfo({ jobUri: '/eSCL/ScanJobs/2', jobUuid: '2', widthPx: 1700, heightPx: 2420, bytesPerLine: 5100 }), 'ScanImageInfo');
    const hp = parseXmlDocument(fixture('other/hp-scanimageinfo.xml'), 'ScanImageInfo');
    const names = (el: typeof root) => el.children.map((c) => c.name);
    expect(names(hp)).toEqual(expect.arrayContaining(names(root)));
  });
});

describe('ScanSettings decoder', () => {
  const caps = parseScannerCapabilities(fixture('airsane/airsane-ScannerCapabilities.xml')).caps;

  it('decodes what sane-airscan sent AirSane (the captured trace) into a feeder scan', () => {
    const trace = fixture('airsane/airscan-0.99.27-trace-airsane-adf-batch.log');
    const body = trace.slice(trace.indexOf('<scan:ScanSettings'), trace.indexOf('</scan:ScanSettings>') + '</scan:ScanSettings>'.length);
    const { command, mime } = toScanCommand(decodeScanSettings(body), caps);
    expect(mime).toBe('image/png');
    expect(command).toMatchObject({ source: 'adf', color_mode: 'gray', resolution: 75, format: 'png' });
    expect(command.region!.width).toBeCloseTo((1181 / 300) * 25.4, 5);
  });

  it('decodes the captured curl request and both HP client requests (default namespaces)', () => {
    expect(toScanCommand(decodeScanSettings(fixture('airsane/escl-ScanSettings-A4-300-RGB24-jpeg.xml')), caps)).toMatchObject({ mime: 'image/jpeg', command: { source: 'platen', color_mode: 'color', resolution: 300, format: 'jpeg' } });
    expect(decodeScanSettings(fixture('other/hp-client-scansettings-platen.xml')).inputSource).toBe('Platen');
    expect(decodeScanSettings(fixture('other/hp-client-scansettings-adf-duplex.xml'))).toMatchObject({ inputSource: 'Feeder', duplex: true });
  });

  it('round-trips the client request builder: what the gateway sends a device, the server reads back', () => {
    const native = parseScannerCapabilities(fixture('airsane/airsane-ScannerCapabilities.xml')).native;
    const built = buildScanSettingsXml({ source: 'platen', resolution: 150, color_mode: 'gray', format: 'pdf', region: { x: 10, y: 20, width: 100, height: 50 } }, native);
    const { command, mime } = toScanCommand(decodeScanSettings(built.xml), caps);
    expect(mime).toBe('application/pdf');
    expect(command).toMatchObject({ source: 'platen', resolution: 150, color_mode: 'gray' });
    expect(command.region!.x).toBeCloseTo(10, 0);
    expect(command.region!.width).toBeCloseTo(100, 0);
  });

  it('reads the region in any element order, as SANE escl backend writes it, and clips it to the source', () => {
    const body = `<scan:ScanSettings xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm"><pwg:ScanRegions><pwg:ScanRegion><pwg:Height>99999</pwg:Height><pwg:Width>99999</pwg:Width><pwg:XOffset>0</pwg:XOffset><pwg:YOffset>0</pwg:YOffset></pwg:ScanRegion></pwg:ScanRegions><pwg:DocumentFormat>application/pdf</pwg:DocumentFormat><scan:ColorMode>RGB24</scan:ColorMode><pwg:InputSource>Platen</pwg:InputSource><scan:InputSource>Platen</scan:InputSource></scan:ScanSettings>`;
    const { command } = toScanCommand(decodeScanSettings(body), caps);
    expect(command.region!.width).toBeLessThanOrEqual(caps.sources.platen!.max_width_mm);
    expect(command.region!.height).toBeLessThanOrEqual(caps.sources.platen!.max_height_mm);
  });

  const wrap = (inner: string) => `<scan:ScanSettings xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm">${inner}</scan:ScanSettings>`;
  it.each([
    ['malformed XML', '<scan:ScanSettings', 'ProtocolError'],
    ['a foreign root', '<bad/>', 'ProtocolError'],
    ['a DTD (entity expansion)', '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', 'ProtocolError'],
    ['an oversized body', wrap(' '.repeat(MAX_SCAN_SETTINGS_BYTES)), 'ProtocolError'],
    ['an absurd resolution', wrap('<scan:XResolution>99999999</scan:XResolution>'), 'InvalidRequest'],
    ['a negative region', wrap('<pwg:ScanRegions><pwg:ScanRegion><pwg:Width>-5</pwg:Width><pwg:Height>10</pwg:Height></pwg:ScanRegion></pwg:ScanRegions>'), 'InvalidRequest'],
    ['an absurd region', wrap('<pwg:ScanRegions><pwg:ScanRegion><pwg:Width>1000000000000</pwg:Width><pwg:Height>10</pwg:Height></pwg:ScanRegion></pwg:ScanRegions>'), 'InvalidRequest'],
    ['another unit', wrap('<pwg:ScanRegions><pwg:ScanRegion><pwg:ContentRegionUnits>Millimeters</pwg:ContentRegionUnits><pwg:Width>5</pwg:Width><pwg:Height>10</pwg:Height></pwg:ScanRegion></pwg:ScanRegions>'), 'InvalidRequest'],
    ['an unknown colour mode', wrap('<scan:ColorMode>CMYK64</scan:ColorMode>'), 'InvalidRequest'],
    ['an unknown source', wrap(`<pwg:InputSource>${'x'.repeat(10_000)}</pwg:InputSource>`), 'InvalidRequest'],
  ])('refuses %s with a typed error', (_name, body, code) => {
    const error = scanErrorOf(() => decodeScanSettings(body));
    expect(error.code).toBe(code);
    expect(error.message.length).toBeLessThan(200);
  });

  it.each([
    ['an offset outside the platen', wrap('<pwg:ScanRegions><pwg:ScanRegion><pwg:XOffset>90000</pwg:XOffset><pwg:Width>5</pwg:Width><pwg:Height>10</pwg:Height></pwg:ScanRegion></pwg:ScanRegions>')],
    ['a format not served', wrap('<pwg:DocumentFormat>image/tiff</pwg:DocumentFormat>')],
    ['unequal X and Y resolutions', wrap('<scan:XResolution>300</scan:XResolution><scan:YResolution>150</scan:YResolution>')],
    ['the camera', wrap('<pwg:InputSource>Camera</pwg:InputSource>')],
  ])('refuses %s when mapping onto the scanner', (_name, body) => {
    expect(scanErrorOf(() => toScanCommand(decodeScanSettings(body), caps)).code).toBe('InvalidRequest');
  });
});
