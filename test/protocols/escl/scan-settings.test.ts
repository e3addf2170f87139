import { readFileSync } from 'node:fs';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { ScanSettings } from '../../../src/core/settings.js';
import { parseScannerCapabilities } from '../../../src/protocols/escl/capabilities.js';
import { buildScanSettingsXml, chooseWireFormat, mmToEsclUnits } from '../../../src/protocols/escl/scan-settings.js';
import { ESCL_NS, PWG_NS, parseXmlDocument, type XmlElement } from '../../../src/protocols/escl/xml.js';
import { FIXTURES as SHARED_FIXTURES } from '../../helpers/fixtures.js';

const FIXTURES = `${SHARED_FIXTURES}/escl`;
const capsOf = (file: string) => parseScannerCapabilities(readFileSync(`${FIXTURES}/capabilities/${file}`, 'utf8'));
const airsane = parseScannerCapabilities(readFileSync(`${FIXTURES}/airsane/airsane-ScannerCapabilities.xml`, 'utf8'));
const a4: ScanSettings = { source: 'platen', resolution: 300, color_mode: 'color', format: 'jpeg', region: { x: 0, y: 0, width: 210, height: 297 } };

/** `{ns}name=value` for every leaf, in document order. */
function leaves(el: XmlElement, out: string[] = []): string[] {
  if (el.children.length === 0) out.push(`${el.ns === PWG_NS ? 'pwg' : el.ns === ESCL_NS ? 'scan' : '?'}:${el.name}=${el.text}`);
  for (const c of el.children) leaves(c, out);
  return out;
}

describe('buildScanSettingsXml', () => {
  it('A4 at 300 dpi: well-formed, 2480x3508 units, same content as the AirSane capture', () => {
    const { xml, requestedMime } = buildScanSettingsXml(a4, airsane.native);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(requestedMime).toBe('image/jpeg');
    const ours = leaves(parseXmlDocument(xml, 'ours'));
    const captured = leaves(parseXmlDocument(readFileSync(`${FIXTURES}/airsane/escl-ScanSettings-A4-300-RGB24-jpeg.xml`, 'utf8'), 'captured'));
    // AirSane lists no DocumentFormatExt and we send no Intent; everything else matches.
    const comparable = (l: string[]) => l.filter((x) => !x.startsWith('scan:Intent=') && !x.startsWith('scan:DocumentFormatExt=')).sort();
    expect(comparable(ours)).toEqual(comparable(captured));
    expect(ours).toContain('pwg:Width=2480');
    expect(ours).toContain('pwg:Height=3508');
  });

  it('follows the XSD order of PROTOCOLS.md A.4', () => {
    const caps = capsOf('hp-scanjet-pro-4500-fn1.xml');
    const { xml } = buildScanSettingsXml({ ...a4, source: 'adf_duplex', brightness: 1200, contrast: 800 }, caps.native);
    const order = parseXmlDocument(xml, 'x').children.map((c) => c.name);
    expect(order).toEqual(['Version', 'ScanRegions', 'InputSource', 'ColorMode', 'DocumentFormat', 'DocumentFormatExt', 'XResolution', 'YResolution', 'Duplex', 'Brightness', 'Contrast']);
    expect(leaves(parseXmlDocument(xml, 'x'))).toEqual(expect.arrayContaining(['pwg:InputSource=Feeder', 'scan:Duplex=true', 'pwg:ContentRegionUnits=escl:ThreeHundredthsOfInches', 'pwg:Version=2.0']));
  });

  it('Duplex only for the feeder, false for simplex', () => {
    const caps = capsOf('brother-mfc-l8690cdw.xml');
    expect(buildScanSettingsXml(a4, caps.native).xml).not.toMatch(/Duplex/);
    expect(buildScanSettingsXml({ ...a4, source: 'adf' }, caps.native).xml).toMatch(/<scan:Duplex>false<\/scan:Duplex>/);
  });

  it('Brightness/Contrast only when the device supports them', () => {
    const caps = capsOf('hp-color-laserjet-mfp-m283fdw.xml');
    const { xml } = buildScanSettingsXml({ ...a4, brightness: 10, contrast: 20 }, caps.native);
    expect(xml).not.toMatch(/Brightness/);
    expect(xml).toMatch(/<scan:Contrast>20<\/scan:Contrast>/);
  });

  it('DocumentFormatExt is sent when the caps list it', () => {
    expect(buildScanSettingsXml({ ...a4, format: 'pdf' }, capsOf('brother-mfc-l8690cdw.xml').native).xml).toMatch(/<scan:DocumentFormatExt>application\/pdf<\/scan:DocumentFormatExt>/);
    expect(buildScanSettingsXml(a4, capsOf('kyocera-ecosys-m2040dn.xml').native).xml).not.toMatch(/DocumentFormatExt/);
  });

  it('colour modes map to the eSCL names the source offers', () => {
    const caps = capsOf('brother-mfc-l8690cdw.xml');
    expect(buildScanSettingsXml({ ...a4, color_mode: 'bw' }, caps.native).xml).toMatch(/<scan:ColorMode>BlackAndWhite1</);
    expect(buildScanSettingsXml({ ...a4, color_mode: 'gray' }, caps.native).xml).toMatch(/<scan:ColorMode>Grayscale8</);
    expect(() => buildScanSettingsXml({ ...a4, color_mode: 'bw' }, capsOf('canon-d570.xml').native)).toThrow(expect.objectContaining({ code: 'InvalidRequest' }));
    expect(() => buildScanSettingsXml({ ...a4, source: 'adf' }, capsOf('canon-d570.xml').native)).toThrow(expect.objectContaining({ code: 'InvalidRequest' }));
  });

  it('regions past the maximum by rounding are clipped', () => {
    const caps = capsOf('brother-mfc-l8690cdw.xml');
    const { xml } = buildScanSettingsXml({ ...a4, region: { x: 0, y: 0, width: 216.3, height: 297 } }, caps.native);
    expect(xml).toMatch(/<pwg:Width>2550<\/pwg:Width>/);
    expect(mmToEsclUnits(25.4)).toBe(300);
  });
});

describe('chooseWireFormat', () => {
  const src = (formats: string[]) => ({ formats, colorModes: ['RGB24'], formatExt: false, resolutions: [], maxWidth: 1, maxHeight: 1 });
  it.each([
    [['application/pdf', 'image/jpeg'], 'pdf', 'color', 'application/pdf'],
    [['application/pdf', 'image/jpeg'], 'png', 'color', 'image/jpeg'],
    [['application/pdf', 'image/jpeg', 'image/png'], 'tiff', 'bw', 'image/png'],
    [['image/jpeg'], 'pdf', 'gray', 'image/jpeg'],
    [['image/png'], 'jpeg', 'color', 'image/png'],
    [['application/pdf'], 'jpeg', 'color', 'application/pdf'],
    [['image/tiff', 'image/jpeg'], 'tiff', 'color', 'image/tiff'],
  ] as const)('%j asked %s/%s → %s', (formats, format, mode, mime) => {
    expect(chooseWireFormat(format, mode, src([...formats]))).toBe(mime);
  });

  it('raw-only devices cannot deliver a format', () => {
    expect(() => chooseWireFormat('pdf', 'color', src(['application/octet-stream']))).toThrow(expect.objectContaining({ code: 'InvalidRequest' }));
  });
});
