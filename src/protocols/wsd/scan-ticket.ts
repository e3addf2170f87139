/**
 * ScanSettings → a WS-Scan ScanTicket (from-domain, PROTOCOLS.md B.4). Element order follows
 * the devices' own DefaultScanTicket and Microsoft's CreateScanJob example; nothing optional is
 * sent, because Epson refuses anything it does not expect. Pure.
 */
import type { ColorMode, DocumentFormat } from '../../core/capabilities.js';
import { invalidRequest } from '../../core/errors.js';
import type { ScanSettings } from '../../core/settings.js';
import { escapeXml } from '../../xml/namespaced-xml.js';
import { mmToWsdUnits } from './capabilities.js';
import type { WsdNativeCaps, WsdSourceNative } from './native.js';

/** Device quirks the ticket honours. */
export interface TicketQuirks {
  /**
   * ImagesToTransfer for feeder jobs: 0 means "until the feeder is empty"; Ricoh Aficio MP 201
   * mishandles 0 and needs e.g. 100.
   */
  adfImagesToTransfer?: number;
  /** JobOriginatingUserName / JobName shown on some panels. */
  jobName?: string;
  userName?: string;
}

/** A built ticket and the wire format it asks for. */
export interface BuiltTicket {
  /** Serialised `wscn:ScanTicket` element (prefix `wscn`). */
  xml: string;
  /** The FormatValue requested, e.g. `jfif`. */
  format: string;
  colorProcessing: string;
}

/** The JobName sent when no other is given. */
export const DEFAULT_JOB_NAME = 'scan2mqtt';
/** ImagesToTransfer for feeder jobs: 0 = every page in the feeder. */
export const ADF_ALL_IMAGES = 0;

/** WS-Scan format values to try for each gateway format, best first (jfif before exif). */
const FORMAT_CHOICES: Readonly<Record<DocumentFormat, readonly string[]>> = {
  jpeg: ['jfif', 'exif'],
  png: ['png'],
  tiff: ['tiff-single-uncompressed', 'tiff-single-g4', 'tiff-single-g3mh', 'tiff-single-jpeg-tn2'],
  pdf: ['pdf-a'],
};

const COLOR_CHOICES: Readonly<Record<ColorMode, readonly string[]>> = {
  color: ['RGB24', 'RGB48'],
  gray: ['Grayscale8', 'Grayscale16', 'Grayscale4'],
  bw: ['BlackAndWhite1'],
};

/**
 * The format to ask for. The gateway assembles PDFs itself, so a PDF is built from raster
 * pages when the device sends any (one image per RetrieveImage is what every device does);
 * otherwise the requested format, else a raster the storage layer converts.
 */
export function chooseWsdFormat(format: DocumentFormat, colorMode: ColorMode, offered: readonly string[]): string {
  const has = new Set(offered.map((f) => f.toLowerCase()));
  const rasters = colorMode === 'bw' ? ['png', 'tiff', 'jpeg'] : ['jpeg', 'png', 'tiff'];
  const order: DocumentFormat[] = format === 'pdf' ? [...(rasters as DocumentFormat[]), 'pdf'] : [format, ...(rasters as DocumentFormat[]), 'pdf'];
  for (const f of order) {
    const hit = FORMAT_CHOICES[f].find((v) => has.has(v));
    if (hit !== undefined) return hit;
  }
  throw invalidRequest(`format "${format}" cannot be produced from what this scanner sends (${offered.join(', ') || 'nothing'})`);
}

/**
 * The ColorProcessing to ask for. A device that offers only RGB24 (Brother MFC-L2720DW) still
 * scans grey and line-art jobs in colour, which the storage layer converts.
 */
export function chooseColorProcessing(mode: ColorMode, offered: readonly string[]): string {
  const pick = COLOR_CHOICES[mode].find((c) => offered.includes(c));
  if (pick !== undefined) return pick;
  const fallback = [...COLOR_CHOICES.color, ...COLOR_CHOICES.gray].find((c) => offered.includes(c));
  if (fallback !== undefined && mode !== 'color') return fallback;
  throw invalidRequest(`color_mode "${mode}" is not offered by this scanner`);
}

/** Builds the ScanTicket for settings already validated against the capabilities. */
export function buildScanTicket(settings: ScanSettings, native: WsdNativeCaps, quirks: TicketQuirks = {}): BuiltTicket {
  const src = native.sources[settings.source];
  if (!src) throw invalidRequest(`source "${settings.source}" is not offered by this WSD scanner`);
  const format = chooseWsdFormat(settings.format, settings.color_mode, native.formats);
  const colorProcessing = chooseColorProcessing(settings.color_mode, src.colorEntries);
  const images = settings.source === 'platen' ? 1 : Math.max(0, Math.trunc(quirks.adfImagesToTransfer ?? ADF_ALL_IMAGES));
  const region = regionInUnits(settings, src);
  const side = (name: 'MediaFront' | 'MediaBack') =>
    `<wscn:${name}>` +
    `<wscn:ScanRegion><wscn:ScanRegionXOffset>${region.x}</wscn:ScanRegionXOffset><wscn:ScanRegionYOffset>${region.y}</wscn:ScanRegionYOffset>` +
    `<wscn:ScanRegionWidth>${region.width}</wscn:ScanRegionWidth><wscn:ScanRegionHeight>${region.height}</wscn:ScanRegionHeight></wscn:ScanRegion>` +
    `<wscn:ColorProcessing>${colorProcessing}</wscn:ColorProcessing>` +
    `<wscn:Resolution><wscn:Width>${settings.resolution}</wscn:Width><wscn:Height>${settings.resolution}</wscn:Height></wscn:Resolution>` +
    `</wscn:${name}>`;
  const xml =
    `<wscn:ScanTicket>` +
    // Canon TR7500 rejects a ticket without JobInformation.
    `<wscn:JobDescription><wscn:JobName>${escapeXml(quirks.jobName ?? DEFAULT_JOB_NAME)}</wscn:JobName>` +
    `<wscn:JobOriginatingUserName>${escapeXml(quirks.userName ?? DEFAULT_JOB_NAME)}</wscn:JobOriginatingUserName>` +
    `<wscn:JobInformation>${escapeXml(quirks.jobName ?? DEFAULT_JOB_NAME)}</wscn:JobInformation></wscn:JobDescription>` +
    `<wscn:DocumentParameters>` +
    `<wscn:Format>${format}</wscn:Format>` +
    `<wscn:ImagesToTransfer>${images}</wscn:ImagesToTransfer>` +
    `<wscn:InputSource>${src.inputSource}</wscn:InputSource>` +
    `<wscn:InputSize><wscn:InputMediaSize><wscn:Width>${region.x + region.width}</wscn:Width><wscn:Height>${region.y + region.height}</wscn:Height></wscn:InputMediaSize></wscn:InputSize>` +
    `<wscn:MediaSides>${side('MediaFront')}${settings.source === 'adf_duplex' ? side('MediaBack') : ''}</wscn:MediaSides>` +
    `</wscn:DocumentParameters>` +
    `</wscn:ScanTicket>`;
  return { xml, format, colorProcessing };
}

/** The region in 1/1000 inch, clipped to the source's maximum (mm rounding may overshoot slightly). */
function regionInUnits(settings: ScanSettings, src: WsdSourceNative): { x: number; y: number; width: number; height: number } {
  const x = Math.min(mmToWsdUnits(settings.region.x), src.maxWidth);
  const y = Math.min(mmToWsdUnits(settings.region.y), src.maxHeight);
  const width = Math.max(1, Math.min(mmToWsdUnits(settings.region.width), src.maxWidth - x));
  const height = Math.max(1, Math.min(mmToWsdUnits(settings.region.height), src.maxHeight - y));
  return { x, y, width, height };
}
