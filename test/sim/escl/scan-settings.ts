/** Reads the ScanSettings body of POST ScanJobs (PROTOCOLS.md A.4), by namespace URI. */
import { ScanError } from '../../../src/core/errors.js';
import { NS_PWG, NS_SCAN, childNamed, childText, childrenNamed, parseIntegerText, parseXmlTree, type XmlElement } from './xml-tree.js';

/** The only region unit eSCL defines. */
export const THREE_HUNDREDTHS = 'escl:ThreeHundredthsOfInches';

/** A scan region in 1/300 inch. */
export interface SimRegion {
  readonly xOffset: number;
  readonly yOffset: number;
  readonly width: number;
  readonly height: number;
}

/** What a client asked for; absent fields are left for the device to default. */
export interface SimScanSettings {
  readonly version?: string;
  readonly intent?: string;
  readonly inputSource?: string;
  readonly colorMode?: string;
  readonly documentFormat?: string;
  readonly documentFormatExt?: string;
  readonly xResolution?: number;
  readonly yResolution?: number;
  readonly duplex?: boolean;
  readonly regions: readonly SimRegion[];
  /** ContentRegionUnits as sent, when any region carried one. */
  readonly regionUnits?: string;
}

/** Parses a ScanSettings document; ScanError('ProtocolError') when it is not one. */
export function parseScanSettings(xml: string): SimScanSettings {
  const root = parseXmlTree(xml);
  if (root.ns !== NS_SCAN || root.name !== 'ScanSettings') {
    throw new ScanError('ProtocolError', `expected scan:ScanSettings, got {${root.ns}}${root.name}`);
  }
  const regionsElement = childNamed(root, NS_PWG, 'ScanRegions');
  const regionElements = childrenNamed(regionsElement, NS_PWG, 'ScanRegion');
  const units = regionElements.map((region) => childText(region, NS_PWG, 'ContentRegionUnits')).find((unit) => unit !== undefined);
  return {
    version: childText(root, NS_PWG, 'Version'),
    intent: childText(root, NS_SCAN, 'Intent'),
    // InputSource is pwg: by the schema; some clients put it in scan:, which devices tolerate.
    inputSource: childText(root, NS_PWG, 'InputSource') ?? childText(root, NS_SCAN, 'InputSource'),
    colorMode: childText(root, NS_SCAN, 'ColorMode'),
    documentFormat: childText(root, NS_PWG, 'DocumentFormat'),
    documentFormatExt: childText(root, NS_SCAN, 'DocumentFormatExt'),
    xResolution: parseIntegerText(childText(root, NS_SCAN, 'XResolution'), 'XResolution'),
    yResolution: parseIntegerText(childText(root, NS_SCAN, 'YResolution'), 'YResolution'),
    duplex: parseBoolean(childText(root, NS_SCAN, 'Duplex')),
    regions: regionElements.map(parseRegion),
    regionUnits: units,
  };
}

function parseRegion(region: XmlElement): SimRegion {
  const field = (name: string): number => {
    const value = parseIntegerText(childText(region, NS_PWG, name), name);
    if (value === undefined) throw new ScanError('ProtocolError', `ScanRegion lacks pwg:${name}`);
    return value;
  };
  const offset = (name: string): number => parseIntegerText(childText(region, NS_PWG, name), name) ?? 0;
  return { xOffset: offset('XOffset'), yOffset: offset('YOffset'), width: field('Width'), height: field('Height') };
}

function parseBoolean(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  const lowered = text.toLowerCase();
  if (lowered === 'true' || lowered === '1') return true;
  if (lowered === 'false' || lowered === '0') return false;
  throw new ScanError('ProtocolError', `Duplex is not a boolean: ${JSON.stringify(text.slice(0, 20))}`);
}
