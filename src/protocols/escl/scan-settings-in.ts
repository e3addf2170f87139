/**
 * A client's ScanSettings (the body of POST ScanJobs) → the domain, for the gateway's own eSCL
 * server (to-domain). Pure. Clients differ: SANE's escl backend writes the region fields in its
 * own order and repeats InputSource in the scan namespace; HP's client uses default namespaces;
 * sane-airscan follows the XSD. So elements are found by name, never by position, and every
 * number is bounded before it is used (hostile input).
 */
import { MM_PER_INCH, type ColorMode, type ScanSource, type ScannerCapabilities } from '../../core/capabilities.js';
import type { ScanCommand } from '../../core/commands.js';
import { invalidRequest, protocolError } from '../../core/errors.js';
import { SERVED_MIME_TYPES } from './server-capabilities.js';
import { ESCL_NS, PWG_NS, child, childText, isElement, parseXmlDocument, type XmlElement } from './xml.js';

/** Largest ScanSettings body read; real ones are under 2 KiB. */
export const MAX_SCAN_SETTINGS_BYTES = 64 * 1024;
/** Highest dpi a request may name (the config's own limit). */
export const MAX_REQUEST_DPI = 9600;
/** Largest region coordinate accepted, in 1/300 inch (about 8.5 m; the longest real ADF page is 122 inches). */
export const MAX_REGION_UNITS = 100_000;

/** eSCL colour modes → the user's; the 16-bit and 48-bit modes are served at 8 bits per sample. */
const COLOR_MODES_IN: Readonly<Record<string, ColorMode>> = {
  BlackAndWhite1: 'bw',
  Grayscale8: 'gray',
  Grayscale16: 'gray',
  RGB24: 'color',
  RGB48: 'color',
};

/** What a client asked for, in eSCL terms, checked for shape and bounds. */
export interface RequestedScan {
  inputSource?: 'Platen' | 'Feeder' | 'Camera';
  duplex?: boolean;
  colorMode?: ColorMode;
  /** The MIME type the client wants its documents in. */
  mime?: string;
  xResolution?: number;
  yResolution?: number;
  /** In 1/300 inch. */
  region?: { x: number; y: number; width: number; height: number };
  intent?: string;
}

/** Parses a ScanSettings body; malformed XML is a ProtocolError, a well-formed but wrong value an InvalidRequest. */
export function decodeScanSettings(xml: string): RequestedScan {
  if (Buffer.byteLength(xml) > MAX_SCAN_SETTINGS_BYTES) throw protocolError(`ScanSettings larger than ${MAX_SCAN_SETTINGS_BYTES} bytes`);
  const root = parseXmlDocument(xml, 'ScanSettings');
  if (!isElement(root, ESCL_NS, 'ScanSettings')) throw protocolError(`ScanSettings: unexpected root element ${root.name}`);
  const out: RequestedScan = {};
  const source = childText(root, PWG_NS, 'InputSource') ?? childText(root, ESCL_NS, 'InputSource');
  if (source !== undefined) {
    if (source !== 'Platen' && source !== 'Feeder' && source !== 'Camera') throw invalidRequest(`InputSource "${clip(source)}" is not Platen or Feeder`);
    out.inputSource = source;
  }
  const duplex = childText(root, ESCL_NS, 'Duplex');
  if (duplex !== undefined) {
    if (duplex !== 'true' && duplex !== 'false' && duplex !== '1' && duplex !== '0') throw invalidRequest(`Duplex "${clip(duplex)}" is not true or false`);
    out.duplex = duplex === 'true' || duplex === '1';
  }
  const colorMode = childText(root, ESCL_NS, 'ColorMode');
  if (colorMode !== undefined) {
    const mapped = COLOR_MODES_IN[colorMode];
    if (mapped === undefined) throw invalidRequest(`ColorMode "${clip(colorMode)}" is not offered`);
    out.colorMode = mapped;
  }
  // DocumentFormatExt is the precise one when both are given (the spec's rule).
  const mime = childText(root, ESCL_NS, 'DocumentFormatExt') ?? childText(root, PWG_NS, 'DocumentFormat') ?? childText(root, ESCL_NS, 'DocumentFormat');
  if (mime !== undefined) out.mime = mime.toLowerCase();
  const x = boundedInt(root, ESCL_NS, 'XResolution', 1, MAX_REQUEST_DPI);
  const y = boundedInt(root, ESCL_NS, 'YResolution', 1, MAX_REQUEST_DPI);
  if (x !== undefined) out.xResolution = x;
  if (y !== undefined) out.yResolution = y;
  const region = readRegion(child(child(root, PWG_NS, 'ScanRegions'), PWG_NS, 'ScanRegion'));
  if (region) out.region = region;
  const intent = childText(root, ESCL_NS, 'Intent');
  if (intent !== undefined) out.intent = clip(intent);
  return out;
}

/**
 * Maps a request onto a scan command for the shared scanner: the source and colour mode must be
 * offered, the resolution one of the source's, the region is clipped to the source (rounding to
 * 1/300 inch can overshoot by a unit). The document format stays with the server, which converts
 * pages into the requested MIME type; the command asks the device for lossless pages.
 */
export function toScanCommand(req: RequestedScan, caps: ScannerCapabilities): { command: ScanCommand; mime: string } {
  const source = sourceOf(req, caps);
  const src = caps.sources[source];
  if (!src) throw invalidRequest(`source ${source} is not offered by this scanner`);
  const mime = req.mime ?? 'image/jpeg';
  if (!SERVED_MIME_TYPES.includes(mime)) throw invalidRequest(`DocumentFormat "${clip(mime)}" is not offered (${SERVED_MIME_TYPES.join(', ')})`);
  const command: ScanCommand = { source };
  const colorMode = req.colorMode ?? (src.color_modes.includes('color') ? 'color' : src.color_modes[0]);
  if (colorMode === undefined || !src.color_modes.includes(colorMode)) throw invalidRequest(`colour mode ${String(colorMode)} is not offered by ${source}`);
  command.color_mode = colorMode;
  const dpi = req.xResolution ?? req.yResolution;
  if (req.xResolution !== undefined && req.yResolution !== undefined && req.xResolution !== req.yResolution) {
    throw invalidRequest(`XResolution ${req.xResolution} and YResolution ${req.yResolution} differ; only square resolutions are offered`);
  }
  if (dpi !== undefined) command.resolution = dpi;
  command.format = mime === 'image/jpeg' ? 'jpeg' : 'png';
  const toMm = (units: number) => (units / 300) * MM_PER_INCH;
  const r = req.region ?? { x: 0, y: 0, width: Number.MAX_SAFE_INTEGER, height: Number.MAX_SAFE_INTEGER };
  const x = toMm(r.x);
  const y = toMm(r.y);
  if (x >= src.max_width_mm || y >= src.max_height_mm) throw invalidRequest(`region offset ${r.x},${r.y} lies outside the ${source} area`);
  const width = Math.min(r.width === Number.MAX_SAFE_INTEGER ? Infinity : toMm(r.width), src.max_width_mm - x);
  const height = Math.min(r.height === Number.MAX_SAFE_INTEGER ? Infinity : toMm(r.height), src.max_height_mm - y);
  command.region = { x, y, width, height };
  return { command, mime };
}

function sourceOf(req: RequestedScan, caps: ScannerCapabilities): ScanSource {
  if (req.inputSource === 'Camera') throw invalidRequest('InputSource Camera is not offered');
  if (req.inputSource === 'Feeder') {
    if (req.duplex === true) return 'adf_duplex';
    return caps.sources.adf ? 'adf' : 'adf_duplex';
  }
  if (req.inputSource === 'Platen' || caps.sources.platen) return 'platen';
  return caps.sources.adf ? 'adf' : 'adf_duplex';
}

function readRegion(el: XmlElement | undefined): RequestedScan['region'] {
  if (!el) return undefined;
  const units = childText(el, PWG_NS, 'ContentRegionUnits');
  if (units !== undefined && units !== 'escl:ThreeHundredthsOfInches' && units !== 'ThreeHundredthsOfInches') throw invalidRequest(`ContentRegionUnits "${clip(units)}" is not escl:ThreeHundredthsOfInches`);
  const width = boundedInt(el, PWG_NS, 'Width', 1, MAX_REGION_UNITS);
  const height = boundedInt(el, PWG_NS, 'Height', 1, MAX_REGION_UNITS);
  if (width === undefined || height === undefined) throw invalidRequest('ScanRegion needs a Width and a Height');
  return { x: boundedInt(el, PWG_NS, 'XOffset', 0, MAX_REGION_UNITS) ?? 0, y: boundedInt(el, PWG_NS, 'YOffset', 0, MAX_REGION_UNITS) ?? 0, width, height };
}

/** An integer child within [min, max]; anything else present is an InvalidRequest naming it. */
function boundedInt(el: XmlElement, ns: string, name: string, min: number, max: number): number | undefined {
  const text = childText(el, ns, name);
  if (text === undefined) return undefined;
  if (!/^\+?\d{1,9}$/.test(text)) throw invalidRequest(`${name} "${clip(text)}" is not a whole number`);
  const value = Number.parseInt(text, 10);
  if (value < min || value > max) throw invalidRequest(`${name} ${value} is outside ${min}..${max}`);
  return value;
}

/** Client text echoed in an error, cut short (a hostile client may send megabytes). */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
