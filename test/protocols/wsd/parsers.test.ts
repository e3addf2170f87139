import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScanError } from '../../../src/core/errors.js';
import {
  capabilitiesFromNative,
  parseScannerElements,
  readScannerConfiguration,
  readScannerDescription,
} from '../../../src/protocols/wsd/capabilities.js';
import { parseMetadataResponse } from '../../../src/protocols/wsd/metadata.js';
import { identityFrom, uuidFromAddress, withIdentity } from '../../../src/protocols/wsd/identity.js';
import { parseNsXml } from '../../../src/xml/namespaced-xml.js';
import { readScannerStatus } from '../../../src/protocols/wsd/status.js';
import { FIXTURES } from '../../helpers/fixtures.js';

const WSD = join(FIXTURES, 'wsd');
const read = (name: string) => readFileSync(join(WSD, name), 'utf8');
const kyoceraElements = read('kyocera-ecosys-m2040dn-GetScannerElementsResponse.xml');
const kyoceraMetadata = read('kyocera-ecosys-m2040dn-TransferGetResponse-metadata.xml');
const wsddMetadata = read('wsdd/wsdd-0.7.0-TransferGetResponse.xml');

const SCAN = 'http://schemas.microsoft.com/windows/2006/08/wdp/scan';

/** The Kyocera source, as the capabilities payload must show it (sizes from 1/1000 inch, max un-swapped). */
const kyoceraSource = {
  resolutions: [200, 300, 400, 600],
  color_modes: ['color', 'gray', 'bw'],
  formats: ['pdf', 'jpeg', 'png', 'tiff'],
  min_width_mm: 50,
  min_height_mm: 50,
  max_width_mm: 216,
  max_height_mm: 356,
};

describe('WS-Transfer metadata', () => {
  it('Kyocera: identity and the one scanner service among 20 hosted services', () => {
    const meta = parseMetadataResponse(kyoceraMetadata);
    expect(meta).toMatchObject({
      friendlyName: 'Kyocera:ECOSYS M2040dn:KM7B6A91',
      firmware: '2S0_2000.001.828',
      serial: 'VCF9192281',
      manufacturer: 'Kyocera',
      model: 'ECOSYS M2040dn',
      presentationUrl: 'http://192.168.1.102',
      deviceCategory: 'MFP MobilePrinter',
    });
    expect(meta.hosted.length).toBeGreaterThan(15);
    expect(meta.scannerServiceUrls).toEqual(['http://192.168.1.102:5358/WSDScanner', 'http://[fe80::217:c8ff:fe7b:6a91]:5358/WSDScanner']);
  });

  it("wsdd (a computer): identity read, no scanner service", () => {
    const meta = parseMetadataResponse(wsddMetadata);
    expect(meta.manufacturer).toBe('wsdd');
    expect(meta.deviceCategory).toBe('Computers');
    expect(meta.scannerServiceUrls).toEqual([]);
  });

  it('the scanner service is found by namespace URI, whatever the prefix', () => {
    const renamed = kyoceraMetadata.replace(/xmlns:scan="/, 'xmlns:zz="').replace(/scan:ScannerServiceType/g, 'zz:ScannerServiceType');
    expect(parseMetadataResponse(renamed).scannerServiceUrls).toHaveLength(2);
    // The right local name in another namespace is not a scanner.
    const foreign = kyoceraMetadata.replace('xmlns:scan="http://schemas.microsoft.com/windows/2006/08/wdp/scan"', 'xmlns:scan="http://example.com/scan"');
    expect(parseMetadataResponse(foreign).scannerServiceUrls).toEqual([]);
  });

  it('uuid from the endpoint address, in both spellings', () => {
    expect(uuidFromAddress('urn:uuid:22222222-3333-4444-5555-666666666666')).toBe('22222222-3333-4444-5555-666666666666');
    expect(uuidFromAddress('uuid:4509A320-00a0-008f-00b6-002507510eca')).toBe('4509a320-00a0-008f-00b6-002507510eca');
    expect(uuidFromAddress('http://192.0.2.1/')).toBeUndefined();
  });
});

describe('GetScannerElements', () => {
  it('Kyocera ScannerConfiguration → normalised capabilities (max width/height un-swapped)', () => {
    const elements = parseScannerElements(kyoceraElements);
    expect([...elements.keys()]).toEqual(['ScannerDescription', 'ScannerConfiguration', 'DefaultScanTicket']);
    const native = readScannerConfiguration(elements.get('ScannerConfiguration'));
    expect(native.formats).toEqual(['exif', 'pdf-a', 'tiff-single-g4', 'tiff-single-jpeg-tn2', 'tiff-multi-g4', 'tiff-multi-jpeg-tn2', 'xps', 'jfif']);
    expect(native.sources.platen).toMatchObject({ maxWidth: 8504, maxHeight: 14016, inputSource: 'Platen' });
    expect(native.sources.adf_duplex?.inputSource).toBe('ADFDuplex');
    const caps = capabilitiesFromNative(native);
    expect(caps).toEqual({ protocol: 'wsd', sources: { platen: kyoceraSource, adf: kyoceraSource, adf_duplex: kyoceraSource } });
    expect(readScannerDescription(elements.get('ScannerDescription'))).toEqual({ name: 'ECOSYS M2040dn', info: 'Scanning System', location: 'Living Room' });
  });

  it('Kyocera capabilities with metadata identity (what scan2mqtt/<id>/capabilities shows)', () => {
    const native = readScannerConfiguration(parseScannerElements(kyoceraElements).get('ScannerConfiguration'));
    const identity = identityFrom(parseMetadataResponse(kyoceraMetadata), 'uuid:4509a320-00a0-008f-00b6-002507510eca');
    expect(withIdentity(capabilitiesFromNative(native), identity)).toEqual({
      protocol: 'wsd',
      manufacturer: 'Kyocera',
      model: 'ECOSYS M2040dn',
      serial: 'VCF9192281',
      firmware: '2S0_2000.001.828',
      uuid: '4509a320-00a0-008f-00b6-002507510eca',
      admin_url: 'http://192.168.1.102',
      sources: { platen: kyoceraSource, adf: kyoceraSource, adf_duplex: kyoceraSource },
    });
  });

  it('HP OfficeJet 4620 excerpt: "false" duplex, Letter x A4 maximum, grey and colour', () => {
    const excerpt = read('partial/hp-officejet-4620-ScannerConfiguration.excerpt.txt');
    // The excerpt is cut mid-document; close its open elements to read the parts it shows.
    const body = excerpt.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    const start = body.indexOf('<wscn:PlatenColor>');
    const platenTail = body.slice(start, body.indexOf('</wscn:Platen>'));
    const adf = body.slice(body.indexOf('<wscn:ADF>'));
    const xml =
      `<wscn:ScannerConfiguration xmlns:wscn="${SCAN}"><wscn:DeviceSettings><wscn:FormatsSupported><wscn:FormatValue>jfif</wscn:FormatValue></wscn:FormatsSupported></wscn:DeviceSettings>` +
      `<wscn:Platen><wscn:PlatenResolutions><wscn:Widths><wscn:Width>300</wscn:Width></wscn:Widths><wscn:Heights><wscn:Height>300</wscn:Height></wscn:Heights></wscn:PlatenResolutions>${platenTail}</wscn:Platen>` +
      `${adf}</wscn:Heights></wscn:ADFResolutions></wscn:ADFFront></wscn:ADF></wscn:ScannerConfiguration>`;
    const native = readScannerConfiguration(parseNsXml(xml, 'excerpt'));
    const caps = capabilitiesFromNative(native);
    expect(caps.sources.platen).toEqual({
      resolutions: [300],
      color_modes: ['color', 'gray'],
      formats: ['pdf', 'jpeg', 'png', 'tiff'],
      min_width_mm: 0.7,
      min_height_mm: 0.7,
      max_width_mm: 215.9,
      max_height_mm: 297,
    });
    // The ADF front in the excerpt has no maximum size, so no source can be built from it.
    expect(caps.sources.adf).toBeUndefined();
    expect(caps.sources.adf_duplex).toBeUndefined();
  });

  it('Brother MFC-L2720DW excerpt: only RGB24 offered, so only colour is listed', () => {
    const excerpt = read('partial/brother-mfc-l2720dw-color-entries.excerpt.txt');
    const platenColor = excerpt.slice(excerpt.indexOf('<wscn:PlatenColor>'), excerpt.indexOf('</wscn:PlatenColor>') + '</wscn:PlatenColor>'.length);
    const xml =
      `<wscn:ScannerConfiguration xmlns:wscn="${SCAN}"><wscn:DeviceSettings><wscn:FormatsSupported><wscn:FormatValue>pdf-a</wscn:FormatValue></wscn:FormatsSupported></wscn:DeviceSettings>` +
      `<wscn:Platen>${platenColor}<wscn:PlatenMaximumSize><wscn:Width>8500</wscn:Width><wscn:Height>11690</wscn:Height></wscn:PlatenMaximumSize></wscn:Platen></wscn:ScannerConfiguration>`;
    const caps = capabilitiesFromNative(readScannerConfiguration(parseNsXml(xml, 'excerpt')));
    // A device offering only PDF/A can deliver only PDF; no resolutions reported means none listed.
    expect(caps.sources.platen).toEqual({ resolutions: [], color_modes: ['color'], formats: ['pdf'], max_width_mm: 215.9, max_height_mm: 296.9 });
  });

  it('a configuration without any usable source is a ProtocolError', () => {
    const xml = `<wscn:ScannerConfiguration xmlns:wscn="${SCAN}"><wscn:DeviceSettings/></wscn:ScannerConfiguration>`;
    expect(() => readScannerConfiguration(parseNsXml(xml, 'x'))).toThrow(expect.objectContaining({ code: 'ProtocolError' }) as ScanError);
  });
});

describe('ScannerStatus', () => {
  const status = (inner: string) => parseNsXml(`<sca:ScannerStatus xmlns:sca="${SCAN}">${inner}</sca:ScannerStatus>`, 'status');

  it('Idle with no reasons', () => {
    expect(readScannerStatus(status('<sca:ScannerState>Idle</sca:ScannerState><sca:ScannerStateReasons><sca:ScannerStateReason>None</sca:ScannerStateReason></sca:ScannerStateReasons>')).status).toEqual({ state: 'idle', adf: null });
  });

  it('an empty feeder, a jam and an open feeder cover from ActiveConditions', () => {
    const cond = (name: string, component: string) =>
      status(`<sca:ScannerState>Stopped</sca:ScannerState><sca:ActiveConditions><sca:DeviceCondition><sca:Name>${name}</sca:Name><sca:Component>${component}</sca:Component></sca:DeviceCondition></sca:ActiveConditions>`);
    expect(readScannerStatus(cond('InputTrayEmpty', 'ADF')).status).toEqual({ state: 'stopped', adf: 'empty', reasons: ['InputTrayEmpty'] });
    expect(readScannerStatus(cond('MediaJam', 'ADF')).status.adf).toBe('jam');
    expect(readScannerStatus(cond('CoverOpen', 'ADF')).status.adf).toBe('open');
    // An open cover that is not the feeder's says nothing about the feeder.
    expect(readScannerStatus(cond('CoverOpen', 'Platen')).status.adf).toBeNull();
  });

  it('a jam among the state reasons; unknown states are stopped with the state kept', () => {
    expect(readScannerStatus(status('<sca:ScannerState>Processing</sca:ScannerState><sca:ScannerStateReasons><sca:ScannerStateReason>MediaJam</sca:ScannerStateReason></sca:ScannerStateReasons>')).status).toEqual({
      state: 'processing',
      adf: 'jam',
      reasons: ['MediaJam'],
    });
    expect(readScannerStatus(status('<sca:ScannerState>Sleeping</sca:ScannerState>')).status).toEqual({ state: 'stopped', adf: null, reasons: ['Sleeping'] });
  });
});
