/**
 * Parses the header of Windows BMP files (what WSD scanners send for the `dib` format).
 * Pure. Supports what scanners produce: uncompressed 1/4/8-bit palette, 24-bit and 32-bit pixels.
 */
import { ScanError } from '../../core/errors.js';
import { MAX_RASTER_DIMENSION } from './pnm-header.js';

/** The layout of an uncompressed BMP image. */
export interface BmpHeader {
  width: number;
  height: number;
  /** Rows are stored bottom-up unless the header's height is negative. */
  bottomUp: boolean;
  bitsPerPixel: 1 | 4 | 8 | 24 | 32;
  /** Palette as RGB triplets, for 1/4/8-bit images. */
  palette: Uint8Array;
  /** True when every palette entry (or, without one, the whole image) is grey. */
  grey: boolean;
  dataOffset: number;
  /** Bytes per stored row, padded to 4 bytes. */
  rowBytes: number;
  /** Resolution from the header's pixels per metre, when set. */
  resolution?: number;
}

/** Bytes to read to be sure the header, bit masks and a 256-colour palette are included. */
export const BMP_HEADER_READ_BYTES = 14 + 124 + 16 + 1024;

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const fail = (reason: string) => new ScanError('ProtocolError', `invalid BMP: ${reason}`);
const unsupported = (reason: string) => new ScanError('Unsupported', `BMP pages with ${reason} are not supported`);

/** Parses a BMP file header plus BITMAPINFOHEADER (or a later version) from the first bytes of a file. */
export function parseBmpHeader(bytes: Uint8Array): BmpHeader {
  if (bytes.length < 54) throw fail('truncated header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0x424d) throw fail('missing BM magic');
  const dataOffset = view.getUint32(10, true);
  const dibSize = view.getUint32(14, true);
  if (dibSize < 40 || dibSize > 124) throw unsupported(`a ${dibSize}-byte info header`);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bits = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const pixelsPerMetre = view.getInt32(38, true);
  const height = Math.abs(rawHeight);
  if (width < 1 || height < 1 || width > MAX_RASTER_DIMENSION || height > MAX_RASTER_DIMENSION) {
    throw fail(`image size ${width}x${height} out of range`);
  }
  if (bits !== 1 && bits !== 4 && bits !== 8 && bits !== 24 && bits !== 32) throw unsupported(`${bits} bits per pixel`);
  checkCompression(view, dibSize, bits, compression);
  const palette = bits <= 8 ? readPalette(bytes, view, 14 + dibSize, bits) : new Uint8Array(0);
  const rowBytes = Math.floor((bits * width + 31) / 32) * 4;
  if (dataOffset < 14 + dibSize) throw fail('pixel data overlaps the header');
  const resolution = pixelsPerMetre > 0 ? Math.round(pixelsPerMetre * 0.0254) : undefined;
  return { width, height, bottomUp: rawHeight > 0, bitsPerPixel: bits, palette, grey: paletteIsGrey(palette), dataOffset, rowBytes, resolution };
}

/** Accepts BI_RGB, and BI_BITFIELDS only with the plain 8-8-8 masks (anything else needs a bit shuffler). */
function checkCompression(view: DataView, dibSize: number, bits: number, compression: number): void {
  if (compression === BI_RGB) return;
  if (compression !== BI_BITFIELDS || bits !== 32) throw unsupported(`compression ${compression}`);
  // Masks follow a 40-byte header, or sit inside V4/V5 headers at the same place.
  const red = view.getUint32(54, true);
  const green = view.getUint32(58, true);
  const blue = view.getUint32(62, true);
  if (red !== 0xff0000 || green !== 0xff00 || blue !== 0xff) throw unsupported('non-standard bit masks');
}

/** Reads the BGRA palette that follows the info header into RGB triplets. */
function readPalette(bytes: Uint8Array, view: DataView, offset: number, bits: number): Uint8Array {
  const declared = view.getUint32(46, true);
  const count = declared === 0 ? 1 << bits : declared;
  if (count > 1 << bits) throw fail(`${count} palette entries for ${bits}-bit pixels`);
  if (offset + count * 4 > bytes.length) throw fail('truncated palette');
  const rgb = new Uint8Array((1 << bits) * 3); // unused indexes stay black
  for (let i = 0; i < count; i++) {
    rgb[i * 3] = bytes[offset + i * 4 + 2] ?? 0;
    rgb[i * 3 + 1] = bytes[offset + i * 4 + 1] ?? 0;
    rgb[i * 3 + 2] = bytes[offset + i * 4] ?? 0;
  }
  return rgb;
}

/** True when each palette entry has R = G = B (a bitonal or greyscale scan). */
function paletteIsGrey(palette: Uint8Array): boolean {
  if (palette.length === 0) return false;
  for (let i = 0; i < palette.length; i += 3) {
    if (palette[i] !== palette[i + 1] || palette[i] !== palette[i + 2]) return false;
  }
  return true;
}
