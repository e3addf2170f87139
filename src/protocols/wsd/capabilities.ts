/**
 * WS-Scan GetScannerElements (PROTOCOLS.md B.4): the request, the ElementData of its response,
 * and ScannerConfiguration → the normalised ScannerCapabilities (to-domain). Pure.
 */
import {
  COLOR_MODES,
  DOCUMENT_FORMATS,
  MM_PER_INCH,
  roundMm,
  type ColorMode,
  type DocumentFormat,
  type ScannerCapabilities,
  type SourceCapabilities,
} from '../../core/capabilities.js';
import { protocolError } from '../../core/errors.js';
import { isNs, nsBool, nsChild, nsChildren, nsInt, nsText, type NsElement } from '../../xml/namespaced-xml.js';
import { throwIfFault } from './faults.js';
import { SCAN_NS, scanAction } from './namespaces.js';
import type { WsdNativeCaps, WsdSourceNative } from './native.js';
import { buildSoapRequest, parseSoapEnvelope, type SoapRequest } from './soap.js';

/** The elements GetScannerElements can ask for. */
export type ScannerElementName = 'ScannerDescription' | 'ScannerConfiguration' | 'ScannerStatus' | 'DefaultScanTicket';

/** WS-Scan lengths are in 1/1000 inch. */
const WSD_UNITS_PER_INCH = 1000;
/** Most entries read from one list (formats, colours, resolutions); real devices list under 20. */
export const MAX_LIST_ENTRIES = 64;
/** Largest length accepted, in 1/1000 inch (100 inches); anything bigger is garbage. */
const MAX_LENGTH_UNITS = 100_000;
/** Highest resolution accepted, in dpi. */
const MAX_DPI = 19_200;

/** 1/1000 inch → millimetres, rounded to 0.1 mm. */
export function wsdUnitsToMm(units: number): number {
  return roundMm((units / WSD_UNITS_PER_INCH) * MM_PER_INCH);
}

/** Millimetres → 1/1000 inch. */
export function mmToWsdUnits(mm: number): number {
  return Math.round((mm / MM_PER_INCH) * WSD_UNITS_PER_INCH);
}

/** ColorEntry names → the user's colour modes. */
export const WSD_COLOR_MODES: Readonly<Record<string, ColorMode>> = {
  BlackAndWhite1: 'bw',
  Grayscale4: 'gray',
  Grayscale8: 'gray',
  Grayscale16: 'gray',
  RGB24: 'color',
  RGB48: 'color',
  RGBa32: 'color',
  RGBa64: 'color',
};

/** FormatValue → the gateway format a page in it is; formats the storage layer cannot read are absent. */
export function formatOf(value: string): DocumentFormat | undefined {
  const v = value.toLowerCase();
  if (v === 'jfif' || v === 'exif') return 'jpeg';
  if (v === 'png') return 'png';
  if (v === 'pdf-a' || v === 'pdf') return 'pdf';
  if (v.startsWith('tiff-single-') || v.startsWith('tiff-multi-')) return 'tiff';
  return undefined;
}

/** Builds GetScannerElementsRequest for the named elements. */
export function buildGetScannerElements(serviceUrl: string, names: readonly ScannerElementName[]): SoapRequest {
  const body = `<wscn:GetScannerElementsRequest><wscn:RequestedElements>${names.map((n) => `<wscn:Name>wscn:${n}</wscn:Name>`).join('')}</wscn:RequestedElements></wscn:GetScannerElementsRequest>`;
  return buildSoapRequest({ action: scanAction('GetScannerElements'), to: serviceUrl }, body, { wscn: SCAN_NS });
}

/** Parses GetScannerElementsResponse into the valid elements it carries, by local name. */
export function parseScannerElements(xml: string): Map<string, NsElement> {
  const envelope = parseSoapEnvelope(xml, 'GetScannerElementsResponse');
  throwIfFault(envelope, 'GetScannerElements');
  if (!isNs(envelope.payload, SCAN_NS, 'GetScannerElementsResponse')) throw protocolError('GetScannerElements: unexpected response body');
  const out = new Map<string, NsElement>();
  for (const data of nsChildren(nsChild(envelope.payload, SCAN_NS, 'ScannerElements'), SCAN_NS, 'ElementData')) {
    if (data.attrs.Valid?.toLowerCase() === 'false') continue;
    const element = data.children.find((c) => c.ns === SCAN_NS);
    if (element && !out.has(element.name)) out.set(element.name, element);
  }
  return out;
}

/** ScannerDescription fields (localizable; the first of each wins). */
export interface WsdScannerDescription {
  name?: string;
  info?: string;
  location?: string;
}

/** Reads a ScannerDescription element. */
export function readScannerDescription(el: NsElement | undefined): WsdScannerDescription {
  const out: WsdScannerDescription = {};
  const name = nsText(el, SCAN_NS, 'ScannerName');
  if (name !== undefined) out.name = name.slice(0, 128);
  const info = nsText(el, SCAN_NS, 'ScannerInfo');
  if (info !== undefined) out.info = info.slice(0, 128);
  const location = nsText(el, SCAN_NS, 'ScannerLocation');
  if (location !== undefined) out.location = location.slice(0, 128);
  return out;
}

/** Reads ScannerConfiguration into the native facts; a configuration without any usable source is a ProtocolError. */
export function readScannerConfiguration(config: NsElement | undefined): WsdNativeCaps {
  if (!isNs(config, SCAN_NS, 'ScannerConfiguration')) throw protocolError('GetScannerElements: no ScannerConfiguration');
  const settings = nsChild(config, SCAN_NS, 'DeviceSettings');
  const native: WsdNativeCaps = {
    formats: listTexts(nsChild(settings, SCAN_NS, 'FormatsSupported'), 'FormatValue'),
    contentTypes: listTexts(nsChild(settings, SCAN_NS, 'ContentTypesSupported'), 'ContentTypeValue'),
    sources: {},
  };
  const platen = readSource(nsChild(config, SCAN_NS, 'Platen'), 'Platen', 'Platen');
  if (platen) native.sources.platen = platen;
  const adf = nsChild(config, SCAN_NS, 'ADF');
  const front = readSource(nsChild(adf, SCAN_NS, 'ADFFront'), 'ADF', 'ADF');
  if (front) native.sources.adf = front;
  const backEl = nsChild(adf, SCAN_NS, 'ADFBack');
  // Brother MFC-9340CDW says ADFSupportsDuplex=0 but lists ADFBack: the back side decides.
  const duplex = nsBool(adf, SCAN_NS, 'ADFSupportsDuplex') === true || backEl !== undefined;
  const back = readSource(backEl, 'ADF', 'ADFDuplex') ?? (front ? { ...front } : undefined);
  if (front && duplex && back) native.sources.adf_duplex = { ...back, inputSource: 'ADFDuplex' };
  if (Object.keys(native.sources).length === 0) throw protocolError('ScannerConfiguration: no platen or feeder with a maximum size');
  return native;
}

function readSource(el: NsElement | undefined, prefix: 'Platen' | 'ADF', inputSource: WsdSourceNative['inputSource']): WsdSourceNative | undefined {
  if (!el) return undefined;
  const max = readSize(nsChild(el, SCAN_NS, `${prefix}MaximumSize`));
  if (!max) return undefined;
  // Kyocera M2040dn reports its maximum as 14016 x 8504 (width and height swapped). No document
  // scanner's glass or feeder is wider than it is long, so a wider-than-long maximum is read as swapped.
  const [maxWidth, maxHeight] = max.width > max.height ? [max.height, max.width] : [max.width, max.height];
  const resolutions = nsChild(el, SCAN_NS, `${prefix}Resolutions`);
  const src: WsdSourceNative = {
    inputSource,
    colorEntries: listTexts(nsChild(el, SCAN_NS, `${prefix}Color`), 'ColorEntry'),
    widths: listInts(nsChild(resolutions, SCAN_NS, 'Widths'), 'Width'),
    heights: listInts(nsChild(resolutions, SCAN_NS, 'Heights'), 'Height'),
    maxWidth,
    maxHeight,
  };
  const min = readSize(nsChild(el, SCAN_NS, `${prefix}MinimumSize`));
  if (min) {
    src.minWidth = Math.min(min.width, maxWidth);
    src.minHeight = Math.min(min.height, maxHeight);
  }
  const optical = nsInt(nsChild(el, SCAN_NS, `${prefix}OpticalResolution`), SCAN_NS, 'Width');
  if (optical !== undefined && optical > 0 && optical <= MAX_DPI) src.opticalResolution = optical;
  return src;
}

function readSize(el: NsElement | undefined): { width: number; height: number } | undefined {
  const width = nsInt(el, SCAN_NS, 'Width');
  const height = nsInt(el, SCAN_NS, 'Height');
  if (width === undefined || height === undefined) return undefined;
  if (width <= 0 || height <= 0 || width > MAX_LENGTH_UNITS || height > MAX_LENGTH_UNITS) return undefined;
  return { width, height };
}

function listTexts(el: NsElement | undefined, name: string): string[] {
  const out: string[] = [];
  for (const c of nsChildren(el, SCAN_NS, name)) {
    if (c.text !== '' && c.text.length <= 64 && !out.includes(c.text)) out.push(c.text);
    if (out.length >= MAX_LIST_ENTRIES) break;
  }
  return out;
}

function listInts(el: NsElement | undefined, name: string): number[] {
  const out = new Set<number>();
  for (const text of listTexts(el, name)) {
    if (!/^\d{1,6}$/.test(text)) continue;
    const dpi = Number.parseInt(text, 10);
    if (dpi > 0 && dpi <= MAX_DPI) out.add(dpi);
  }
  return [...out].sort((a, b) => a - b);
}

/** The normalised capabilities for the native facts; identity fields are added by the caller. */
export function capabilitiesFromNative(native: WsdNativeCaps): ScannerCapabilities {
  const caps: ScannerCapabilities = { protocol: 'wsd', sources: {} };
  const deviceFormats = new Set(native.formats.map(formatOf).filter((f): f is DocumentFormat => f !== undefined));
  // Raster pages can be converted or assembled by the storage layer into any format.
  const formats = deviceFormats.has('jpeg') || deviceFormats.has('png') || deviceFormats.has('tiff') ? new Set(DOCUMENT_FORMATS) : deviceFormats;
  for (const [source, src] of Object.entries(native.sources) as [keyof WsdNativeCaps['sources'], WsdSourceNative][]) {
    caps.sources[source] = sourceToDomain(src, formats);
  }
  return caps;
}

function sourceToDomain(src: WsdSourceNative, formats: Set<DocumentFormat>): SourceCapabilities {
  const modes = new Set(src.colorEntries.map((c) => WSD_COLOR_MODES[c]).filter((m): m is ColorMode => m !== undefined));
  const heights = new Set(src.heights);
  // Square dpi only: Widths and Heights are separate lists (Kyocera adds a 100 dpi height).
  const resolutions = src.heights.length === 0 ? src.widths : src.widths.filter((w) => heights.has(w));
  const out: SourceCapabilities = {
    resolutions,
    color_modes: COLOR_MODES.filter((m) => modes.has(m)),
    formats: DOCUMENT_FORMATS.filter((f) => formats.has(f)),
    max_width_mm: wsdUnitsToMm(src.maxWidth),
    max_height_mm: wsdUnitsToMm(src.maxHeight),
  };
  if (src.minWidth !== undefined) out.min_width_mm = wsdUnitsToMm(src.minWidth);
  if (src.minHeight !== undefined) out.min_height_mm = wsdUnitsToMm(src.minHeight);
  return out;
}
