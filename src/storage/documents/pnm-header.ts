/**
 * Parses the header of binary PNM files (PBM P4, PGM P5, PPM P6), what SANE's
 * scanimage and saned-based drivers produce. Pure; netpbm's format pages are the spec.
 */
import { ScanError } from '../../core/errors.js';

/** The layout of a binary PNM image. */
export interface PnmHeader {
  /** 1 for PBM/PGM, 3 for PPM. */
  channels: 1 | 3;
  /** True for PBM: one bit per pixel, 1 = black. */
  bitmap: boolean;
  width: number;
  height: number;
  /** Largest sample value (1 for PBM); above 255 samples take two bytes, big-endian. */
  maxval: number;
  /** Byte offset of the first pixel row. */
  dataOffset: number;
  /** Bytes per pixel row in the file. */
  rowBytes: number;
}

/** Longest header accepted; real ones (with SANE's comment) are well under 100 bytes. */
export const PNM_HEADER_LIMIT = 4096;
/** Largest width or height accepted: 2400 dpi across 1 m of paper is under 100,000 pixels. */
export const MAX_RASTER_DIMENSION = 100_000;

const fail = (reason: string) => new ScanError('ProtocolError', `invalid PNM: ${reason}`);

const isSpace = (c: number | undefined) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;

/** Parses a binary PNM header from the first bytes of a file. */
export function parsePnmHeader(bytes: Uint8Array): PnmHeader {
  if (bytes[0] !== 0x50) throw fail('missing P magic');
  const kind = bytes[1];
  if (kind === 0x31 || kind === 0x32 || kind === 0x33) {
    throw new ScanError('Unsupported', 'plain (ASCII) PNM pages are not supported');
  }
  if (kind !== 0x34 && kind !== 0x35 && kind !== 0x36) throw fail('unknown PNM type');
  const bitmap = kind === 0x34;
  const channels = kind === 0x36 ? 3 : 1;
  const reader = { pos: 2 };
  const width = readNumber(bytes, reader, 'width');
  const height = readNumber(bytes, reader, 'height');
  const maxval = bitmap ? 1 : readNumber(bytes, reader, 'maxval');
  if (!isSpace(bytes[reader.pos])) throw fail('missing whitespace after the header');
  const dataOffset = reader.pos + 1;
  if (width < 1 || height < 1 || width > MAX_RASTER_DIMENSION || height > MAX_RASTER_DIMENSION) {
    throw fail(`image size ${width}x${height} out of range`);
  }
  if (maxval < 1 || maxval > 65535) throw fail(`maxval ${maxval} out of range`);
  const rowBytes = bitmap ? Math.ceil(width / 8) : width * channels * (maxval > 255 ? 2 : 1);
  return { channels, bitmap, width, height, maxval, dataOffset, rowBytes };
}

/** Skips whitespace and `#` comments, then reads a decimal number (at most 6 digits). */
function readNumber(bytes: Uint8Array, reader: { pos: number }, field: string): number {
  for (;;) {
    if (reader.pos >= Math.min(bytes.length, PNM_HEADER_LIMIT)) throw fail(`truncated before ${field}`);
    const c = bytes[reader.pos];
    if (isSpace(c)) reader.pos++;
    else if (c === 0x23) while (reader.pos < bytes.length && bytes[reader.pos] !== 0x0a && bytes[reader.pos] !== 0x0d) reader.pos++;
    else break;
  }
  let value = 0;
  let digits = 0;
  for (let c = bytes[reader.pos]; c !== undefined && c >= 0x30 && c <= 0x39; c = bytes[++reader.pos]) {
    if (++digits > 6) throw fail(`${field} has too many digits`);
    value = value * 10 + (c - 0x30);
  }
  if (digits === 0) throw fail(`${field} is not a number`);
  return value;
}
