/**
 * Reads the frame header (SOFn) of a JPEG, so a PDF can embed the file as-is with /DCTDecode.
 * Pure: works on the first bytes of the file (ITU T.81 B.1.1: markers, B.2.2: frame header).
 */
import { ScanError } from '../../core/errors.js';

/** What the PDF writer needs to know about a JPEG. */
export interface JpegHeader {
  width: number;
  height: number;
  /** 1 = grey, 3 = YCbCr/RGB, 4 = CMYK/YCCK. */
  components: 1 | 3 | 4;
  /** Sample precision in bits (8 for baseline; 12 exists in extended JPEG). */
  precision: number;
  /** The SOF marker's number (0xC0 baseline, 0xC1 extended, 0xC2 progressive, ...). */
  frameMarker: number;
  /** True when an Adobe APP14 segment is present: its CMYK is stored inverted (PDF needs /Decode). */
  adobe: boolean;
}

/** Largest JPEG head worth reading to find the frame header; APP segments before it are at most 64 KiB each. */
export const JPEG_HEADER_SCAN_LIMIT = 1024 * 1024;

/** Frame markers that PDF's DCTDecode can read: baseline, extended sequential, progressive (Huffman). */
const PDF_FRAME_MARKERS = new Set([0xc0, 0xc1, 0xc2]);

const fail = (reason: string) => new ScanError('ProtocolError', `invalid JPEG: ${reason}`);

/** True for SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isFrameMarker(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** True for markers that stand alone without a length field (TEM, RSTn). */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

/** Parses the JPEG frame header from the start of a file; throws ScanError('ProtocolError') on anything malformed. */
export function parseJpegHeader(bytes: Uint8Array): JpegHeader {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw fail('missing SOI marker');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let adobe = false;
  let pos = 2;
  for (;;) {
    if (pos >= bytes.length) throw fail('truncated before the frame header');
    if (bytes[pos] !== 0xff) throw fail(`expected a marker at byte ${pos}`);
    while (bytes[pos] === 0xff) pos++; // fill bytes (T.81 B.1.1.2)
    const marker = bytes[pos];
    if (marker === undefined) throw fail('truncated in a marker');
    pos++;
    if (isStandalone(marker)) continue;
    if (marker === 0xd9 || marker === 0xda || marker === 0xd8) throw fail('no frame header before the image data');
    if (pos + 2 > bytes.length) throw fail('truncated segment length');
    const length = view.getUint16(pos);
    if (length < 2) throw fail(`segment length ${length} is too small`);
    if (pos + length > bytes.length) throw fail(`segment of ${length} bytes runs past the data`);
    if (marker === 0xee && length >= 7 && String.fromCharCode(...bytes.subarray(pos + 2, pos + 7)) === 'Adobe') adobe = true;
    if (isFrameMarker(marker)) return readFrame(view, pos, length, marker, adobe);
    pos += length;
  }
}

/** Reads P, Y, X, Nf of a frame header segment that starts (at its length field) at `pos`. */
function readFrame(view: DataView, pos: number, length: number, marker: number, adobe: boolean): JpegHeader {
  if (length < 8) throw fail('frame header too short');
  const precision = view.getUint8(pos + 2);
  const height = view.getUint16(pos + 3);
  const width = view.getUint16(pos + 5);
  const components = view.getUint8(pos + 7);
  if (height === 0) throw fail('zero height (DNL-defined height is not supported)');
  if (width === 0) throw fail('zero width');
  if (components !== 1 && components !== 3 && components !== 4) throw fail(`${components} colour components`);
  if (length < 8 + 3 * components) throw fail('frame header shorter than its component list');
  if (precision !== 8 && precision !== 12) throw fail(`sample precision ${precision}`);
  return { width, height, components, precision, frameMarker: marker, adobe };
}

/** True when a PDF reader can decode this JPEG with /DCTDecode as it is. */
export function isPdfEmbeddable(header: JpegHeader): boolean {
  return header.precision === 8 && PDF_FRAME_MARKERS.has(header.frameMarker);
}
