/**
 * eSCL ScannerCapabilities → the normalised ScannerCapabilities (to-domain), plus the
 * native facts the request builder needs (PROTOCOLS.md A.5). Pure: no I/O.
 */
import {
  COLOR_MODES,
  DOCUMENT_FORMATS,
  MM_PER_INCH,
  resolutionsInRange,
  roundMm,
  type ColorMode,
  type DocumentFormat,
  type NumericRange,
  type ScanSource,
  type ScannerCapabilities,
  type SourceCapabilities,
} from '../../core/capabilities.js';
import { protocolError } from '../../core/errors.js';
import type { EsclNativeCaps, EsclRange, EsclResolution, EsclSourceNative } from './native.js';
import { ESCL_NS, PWG_NS, child, childInt, childText, childrenOf, isElement, parseXmlDocument, type XmlElement } from './xml.js';

/** Parsed capabilities: the public model, the native facts, and identity details. */
export interface EsclCapabilities {
  caps: ScannerCapabilities;
  native: EsclNativeCaps;
  /** Device UUID, lower case, without `urn:uuid:`. */
  uuid?: string;
  adminUri?: string;
  iconUri?: string;
  /** eSCL version the capabilities document declares. */
  version?: string;
  makeAndModel?: string;
}

/** eSCL lengths are in 1/300 inch. */
const ESCL_UNITS_PER_INCH = 300;

/** Converts 1/300 inch to millimetres, rounded to 0.1 mm. */
export function esclUnitsToMm(units: number): number {
  return roundMm((units / ESCL_UNITS_PER_INCH) * MM_PER_INCH);
}

/** eSCL colour-mode names → the user's colour modes; unknown names (AutoColorDetection) have no mapping. */
export const ESCL_COLOR_MODES: Readonly<Record<string, ColorMode>> = {
  BlackAndWhite1: 'bw',
  Grayscale8: 'gray',
  Grayscale16: 'gray',
  RGB24: 'color',
  RGB48: 'color',
};

/** MIME types a device can send natively → gateway formats. */
export const MIME_FORMATS: Readonly<Record<string, DocumentFormat>> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/tiff': 'tiff',
};

/** Parses a ScannerCapabilities document; malformed or foreign XML is a ProtocolError. */
export function parseScannerCapabilities(xml: string): EsclCapabilities {
  const root = parseXmlDocument(xml, 'ScannerCapabilities');
  if (!isElement(root, ESCL_NS, 'ScannerCapabilities')) {
    throw protocolError(`ScannerCapabilities: unexpected root element ${root.name}${root.ns ? ` in ${root.ns}` : ''}`);
  }
  const shared = sharedProfiles(root);
  const sources = readSources(root, shared);
  const native: EsclNativeCaps = { sources, adjustments: readAdjustments(root) };
  const version = childText(root, PWG_NS, 'Version');
  if (version !== undefined) native.version = version;

  const result: EsclCapabilities = { caps: toDomain(root, native), native };
  if (version !== undefined) result.version = version;
  // Lower case without `urn:uuid:`, the form DNS-SD TXT `uuid` uses, so sightings merge.
  const uuid = childText(root, ESCL_NS, 'UUID')?.replace(/^urn:uuid:/i, '').toLowerCase();
  if (uuid) result.uuid = result.caps.uuid = uuid;
  const adminUri = childText(root, ESCL_NS, 'AdminURI');
  if (adminUri !== undefined) result.adminUri = result.caps.admin_url = adminUri;
  const iconUri = childText(root, ESCL_NS, 'IconURI');
  if (iconUri !== undefined) result.iconUri = iconUri;
  const makeAndModel = childText(root, PWG_NS, 'MakeAndModel');
  if (makeAndModel !== undefined) result.makeAndModel = makeAndModel;
  return result;
}

function toDomain(root: XmlElement, native: EsclNativeCaps): ScannerCapabilities {
  const caps: ScannerCapabilities = { protocol: 'escl', sources: {} };
  const makeAndModel = childText(root, PWG_NS, 'MakeAndModel');
  const manufacturer = childText(root, ESCL_NS, 'Manufacturer') ?? manufacturerOf(makeAndModel);
  if (manufacturer) caps.manufacturer = manufacturer;
  if (makeAndModel !== undefined) caps.model = makeAndModel;
  const serial = childText(root, PWG_NS, 'SerialNumber');
  // HP M283fdw reports the literal "NULL" when it has no serial to give.
  if (serial !== undefined && serial.toUpperCase() !== 'NULL') caps.serial = serial;

  let range: EsclRange | undefined;
  for (const [source, src] of Object.entries(native.sources) as [ScanSource, EsclSourceNative][]) {
    caps.sources[source] = sourceToDomain(src);
    const r = src.resolutionRange ? squareRange(src.resolutionRange) : undefined;
    if (r) range = range ? { min: Math.min(range.min, r.min), max: Math.max(range.max, r.max), step: range.step } : r;
  }
  if (range) caps.resolution_range = { min: range.min, max: range.max, step: range.step };
  const adjustments: NonNullable<ScannerCapabilities['adjustments']> = {};
  if (native.adjustments.brightness) adjustments.brightness = toNumericRange(native.adjustments.brightness);
  if (native.adjustments.contrast) adjustments.contrast = toNumericRange(native.adjustments.contrast);
  if (Object.keys(adjustments).length > 0) caps.adjustments = adjustments;
  return caps;
}

function sourceToDomain(src: EsclSourceNative): SourceCapabilities {
  const modes = new Set(src.colorModes.map((m) => ESCL_COLOR_MODES[m]).filter((m): m is ColorMode => m !== undefined));
  const native = new Set(src.formats.map((f) => MIME_FORMATS[f.toLowerCase()]).filter((f): f is DocumentFormat => f !== undefined));
  // Raster pages can be converted or assembled by the storage layer into any format.
  const formats = native.has('jpeg') || native.has('png') ? new Set<DocumentFormat>(DOCUMENT_FORMATS) : native;
  const out: SourceCapabilities = {
    resolutions: domainResolutions(src),
    color_modes: COLOR_MODES.filter((m) => modes.has(m)),
    formats: DOCUMENT_FORMATS.filter((f) => formats.has(f)),
    max_width_mm: esclUnitsToMm(src.maxWidth),
    max_height_mm: esclUnitsToMm(src.maxHeight),
  };
  if (src.minWidth !== undefined) out.min_width_mm = esclUnitsToMm(src.minWidth);
  if (src.minHeight !== undefined) out.min_height_mm = esclUnitsToMm(src.minHeight);
  return out;
}

/** Square dpi the user can pick: X values that are also Y values (Kyocera lists 200x100 and 200x400). */
function domainResolutions(src: EsclSourceNative): number[] {
  const xs = new Set(src.resolutions.map((r) => r.x));
  const picked = new Set(src.resolutions.map((r) => r.y).filter((y) => xs.has(y)));
  const range = src.resolutionRange ? squareRange(src.resolutionRange) : undefined;
  if (range) for (const dpi of resolutionsInRange({ ...range })) picked.add(dpi);
  return [...picked].sort((a, b) => a - b);
}

/** The part of the X and Y ranges both axes can do, or undefined when they do not overlap. */
function squareRange(r: { x: EsclRange; y: EsclRange }): EsclRange | undefined {
  const min = Math.max(r.x.min, r.y.min);
  const max = Math.min(r.x.max, r.y.max);
  return min <= max ? { min, max, step: Math.max(r.x.step, r.y.step) } : undefined;
}

function toNumericRange(r: EsclRange): NumericRange {
  const out: NumericRange = { min: r.min, max: r.max, step: r.step };
  if (r.normal !== undefined) out.default = r.normal;
  return out;
}

/** Root-level `scan:SettingProfiles` that sources reference with `<scan:SettingProfile ref="…"/>`. */
function sharedProfiles(root: XmlElement): Map<string, XmlElement> {
  const byName = new Map<string, XmlElement>();
  for (const profile of childrenOf(child(root, ESCL_NS, 'SettingProfiles'), ESCL_NS, 'SettingProfile')) {
    const name = profile.attrs.name;
    if (name !== undefined && !byName.has(name)) byName.set(name, profile);
  }
  return byName;
}

function readSources(root: XmlElement, shared: Map<string, XmlElement>): EsclNativeCaps['sources'] {
  const sources: EsclNativeCaps['sources'] = {};
  const platen = readInputCaps(child(child(root, ESCL_NS, 'Platen'), ESCL_NS, 'PlatenInputCaps'), shared);
  if (platen) sources.platen = platen;
  const adf = child(root, ESCL_NS, 'Adf');
  if (adf) {
    const simplex = readInputCaps(child(adf, ESCL_NS, 'AdfSimplexInputCaps'), shared);
    const duplexCaps = readInputCaps(child(adf, ESCL_NS, 'AdfDuplexInputCaps'), shared);
    const duplexOption = childrenOf(child(adf, ESCL_NS, 'AdfOptions'), ESCL_NS, 'AdfOption').some((o) => o.text === 'Duplex');
    // AirSane once sent only AdfDuplexInputCaps; a duplex feeder can still feed one side.
    const simplexOrDuplex = simplex ?? duplexCaps;
    if (simplexOrDuplex) sources.adf = simplexOrDuplex;
    const duplex = duplexCaps ?? (duplexOption ? simplex : undefined);
    if (duplex) sources.adf_duplex = duplex;
  }
  return sources;
}

function readInputCaps(caps: XmlElement | undefined, shared: Map<string, XmlElement>): EsclSourceNative | undefined {
  if (!caps) return undefined;
  const maxWidth = childInt(caps, ESCL_NS, 'MaxWidth');
  const maxHeight = childInt(caps, ESCL_NS, 'MaxHeight');
  // Without a maximum area no request can be built for this source.
  if (maxWidth === undefined || maxHeight === undefined || maxWidth <= 0 || maxHeight <= 0) return undefined;
  const src: EsclSourceNative = { formats: [], colorModes: [], formatExt: false, resolutions: [], maxWidth, maxHeight };
  const minWidth = childInt(caps, ESCL_NS, 'MinWidth');
  const minHeight = childInt(caps, ESCL_NS, 'MinHeight');
  if (minWidth !== undefined && minWidth >= 0) src.minWidth = minWidth;
  if (minHeight !== undefined && minHeight >= 0) src.minHeight = minHeight;
  const listed = [...childrenOf(child(caps, ESCL_NS, 'SettingProfiles'), ESCL_NS, 'SettingProfile'), ...childrenOf(caps, ESCL_NS, 'SettingProfile')];
  for (const entry of listed) {
    const ref = entry.attrs.ref;
    const profile = ref !== undefined ? shared.get(ref) : entry;
    if (profile) mergeProfile(src, profile);
  }
  return src;
}

/** Unions one SettingProfile into the source (devices may list several per source). */
function mergeProfile(src: EsclSourceNative, profile: XmlElement): void {
  for (const mode of childrenOf(child(profile, ESCL_NS, 'ColorModes'), ESCL_NS, 'ColorMode')) addUnique(src.colorModes, mode.text);
  const formats = child(profile, ESCL_NS, 'DocumentFormats');
  for (const f of formats?.children ?? []) {
    if (isElement(f, PWG_NS, 'DocumentFormat') || isElement(f, ESCL_NS, 'DocumentFormat')) addUnique(src.formats, f.text);
    if (isElement(f, ESCL_NS, 'DocumentFormatExt')) {
      src.formatExt = true;
      addUnique(src.formats, f.text);
    }
  }
  const supported = child(profile, ESCL_NS, 'SupportedResolutions');
  for (const res of childrenOf(child(supported, ESCL_NS, 'DiscreteResolutions'), ESCL_NS, 'DiscreteResolution')) {
    const x = childInt(res, ESCL_NS, 'XResolution');
    const y = childInt(res, ESCL_NS, 'YResolution');
    if (x !== undefined && y !== undefined && x > 0 && y > 0) addResolution(src.resolutions, { x, y });
  }
  const rangeEl = child(supported, ESCL_NS, 'ResolutionRange');
  const x = readRange(child(rangeEl, ESCL_NS, 'XResolutionRange'));
  const y = readRange(child(rangeEl, ESCL_NS, 'YResolutionRange')) ?? x;
  if (x && y && x.min > 0 && y.min > 0) src.resolutionRange = unionRanges(src.resolutionRange, { x, y });
}

function unionRanges(a: { x: EsclRange; y: EsclRange } | undefined, b: { x: EsclRange; y: EsclRange }): { x: EsclRange; y: EsclRange } {
  if (!a) return b;
  const join = (p: EsclRange, q: EsclRange): EsclRange => ({ min: Math.min(p.min, q.min), max: Math.max(p.max, q.max), step: Math.min(p.step, q.step) });
  return { x: join(a.x, b.x), y: join(a.y, b.y) };
}

/** Reads a `Min/Max/Normal/Step` block; Step defaults to 1 when omitted. */
function readRange(el: XmlElement | undefined): EsclRange | undefined {
  const min = childInt(el, ESCL_NS, 'Min');
  const max = childInt(el, ESCL_NS, 'Max');
  if (min === undefined || max === undefined || min > max) return undefined;
  const step = childInt(el, ESCL_NS, 'Step');
  const range: EsclRange = { min, max, step: step !== undefined && step > 0 ? step : 1 };
  const normal = childInt(el, ESCL_NS, 'Normal');
  if (normal !== undefined) range.normal = normal;
  return range;
}

function readAdjustments(root: XmlElement): EsclNativeCaps['adjustments'] {
  const out: EsclNativeCaps['adjustments'] = {};
  const brightness = readRange(child(root, ESCL_NS, 'BrightnessSupport'));
  const contrast = readRange(child(root, ESCL_NS, 'ContrastSupport'));
  if (brightness) out.brightness = brightness;
  if (contrast) out.contrast = contrast;
  return out;
}

function addUnique(list: string[], value: string): void {
  if (value !== '' && !list.includes(value)) list.push(value);
}

function addResolution(list: EsclResolution[], r: EsclResolution): void {
  if (!list.some((o) => o.x === r.x && o.y === r.y)) list.push(r);
}

/** Vendors whose name leads their MakeAndModel; others (e.g. `DS-940DW`, `pst_p04f`) name no maker. */
const KNOWN_MANUFACTURERS: ReadonlyMap<string, string> = new Map(
  ['Brother', 'Canon', 'Dell', 'Epson', 'Fujitsu', 'HP', 'Kodak', 'Konica', 'Kyocera', 'Lexmark', 'OKI', 'Panasonic', 'Pantum', 'Ricoh', 'Samsung', 'Sharp', 'Toshiba', 'Xerox'].map(
    (name) => [name.toLowerCase(), name],
  ),
);
const MANUFACTURER_ALIASES: ReadonlyMap<string, string> = new Map([['hewlett-packard', 'HP']]);

/** The maker named by the first word of a MakeAndModel (as the device spells it), when it is a known vendor. */
export function manufacturerOf(makeAndModel: string | undefined): string | undefined {
  const first = makeAndModel?.trim().split(/\s+/)[0];
  if (!first) return undefined;
  const lower = first.toLowerCase();
  const alias = MANUFACTURER_ALIASES.get(lower);
  if (alias) return alias;
  return KNOWN_MANUFACTURERS.has(lower) ? first : undefined;
}
