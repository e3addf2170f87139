/**
 * Turns SANE frame bytes into the raw pixels sharp takes (pure): one line at a
 * time, padding beyond the pixels dropped, depth 1 unpacked (MSB first, 1 = black)
 * to 8-bit grey 0/255, and 16-bit samples put into little-endian order.
 */
import { protocolError } from '../../core/errors.js';
import { SANE_BYTE_ORDER_BIG, SANE_LIMITS, SaneFrame } from './constants.js';

/** The shape of one frame as GET_PARAMETERS and START describe it. */
export interface FrameLayout {
  format: number;
  depth: number;
  pixelsPerLine: number;
  bytesPerLine: number;
  byteOrder: number;
}

/** Channels in a frame: 3 for interleaved RGB, 1 for grey and for each pass of a three-pass scan. */
export function frameChannels(format: number): number {
  return format === SaneFrame.Rgb ? 3 : 1;
}

/** Bytes per sample in the normalised output (8-bit for depth 1 and 8, 16-bit for 16). */
export function outputSampleBytes(depth: number): number {
  return depth === 16 ? 2 : 1;
}

/** Bytes of one normalised output line. */
export function outputLineBytes(layout: FrameLayout): number {
  return layout.pixelsPerLine * frameChannels(layout.format) * outputSampleBytes(layout.depth);
}

/** True when the frame's bytes already are normalised lines (8-bit, no line padding): no per-line work. */
export function isNormalisedAlready(layout: FrameLayout): boolean {
  return layout.depth === 8 && layout.bytesPerLine === outputLineBytes(layout);
}

/** Checks a layout before any buffer is sized from it. */
export function checkLayout(layout: FrameLayout): void {
  const { depth, pixelsPerLine, bytesPerLine, format } = layout;
  if (depth !== 1 && depth !== 8 && depth !== 16) throw protocolError(`unsupported depth ${depth}`);
  if (format < SaneFrame.Gray || format > SaneFrame.Blue) throw protocolError(`unknown frame format ${format}`);
  if (format === SaneFrame.Rgb && depth === 1) throw protocolError('1-bit RGB frames are not supported');
  if (pixelsPerLine <= 0 || pixelsPerLine > SANE_LIMITS.maxImagePixels) throw protocolError(`pixels per line ${pixelsPerLine} out of range`);
  const minBytes = Math.ceil((pixelsPerLine * frameChannels(format) * depth) / 8);
  if (bytesPerLine < minBytes || bytesPerLine > minBytes + SANE_LIMITS.maxImagePixels) throw protocolError(`bytes per line ${bytesPerLine} does not fit ${pixelsPerLine} pixels`);
}

/** Cuts a byte stream into lines and normalises each one. */
export class LineNormaliser {
  private partial: Buffer;
  private fill = 0;
  /** Whole lines seen so far. */
  lines = 0;

  constructor(private readonly layout: FrameLayout) {
    checkLayout(layout);
    this.partial = Buffer.alloc(layout.bytesPerLine);
  }

  /** Feeds frame bytes; returns the normalised lines they completed (views into `chunk` where no work was needed). */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    const bpl = this.layout.bytesPerLine;
    while (at < chunk.length) {
      if (this.fill === 0 && chunk.length - at >= bpl) {
        out.push(this.convert(chunk.subarray(at, at + bpl)));
        at += bpl;
      } else {
        const take = Math.min(bpl - this.fill, chunk.length - at);
        chunk.copy(this.partial, this.fill, at, at + take);
        this.fill += take;
        at += take;
        if (this.fill === bpl) {
          out.push(this.convert(this.partial));
          this.fill = 0;
        }
      }
    }
    this.lines += out.length;
    return out;
  }

  private convert(line: Buffer): Buffer {
    const { depth, pixelsPerLine, format, byteOrder } = this.layout;
    const samples = pixelsPerLine * frameChannels(format);
    if (depth === 1) return unpackLineArt(line, pixelsPerLine);
    // A slice of the chunk is handed on as is, valid only as long as the chunk (the data port's
    // read buffer is reused: the sinks copy at once); the partial-line buffer lives on, so lines
    // completed there are copied.
    if (depth === 8) return line === this.partial ? Buffer.from(line.subarray(0, samples)) : line.subarray(0, samples);
    const out = Buffer.from(line.subarray(0, samples * 2));
    if (byteOrder === SANE_BYTE_ORDER_BIG) out.swap16();
    return out;
  }
}

/** Depth 1, MSB first, 1 = black → one byte per pixel, 0 black / 255 white. */
export function unpackLineArt(line: Uint8Array, pixels: number): Buffer {
  const out = Buffer.alloc(pixels);
  for (let x = 0; x < pixels; x++) {
    const bit = ((line[x >> 3] ?? 0) >> (7 - (x & 7))) & 1;
    out[x] = bit ? 0 : 255;
  }
  return out;
}

/** Interleaves one line of each of three single-colour planes into RGB. */
export function interleaveRgb(red: Buffer, green: Buffer, blue: Buffer, sampleBytes: number): Buffer {
  const pixels = red.length / sampleBytes;
  const out = Buffer.alloc(red.length * 3);
  for (let p = 0; p < pixels; p++) {
    const src = p * sampleBytes;
    const dst = p * 3 * sampleBytes;
    red.copy(out, dst, src, src + sampleBytes);
    green.copy(out, dst + sampleBytes, src, src + sampleBytes);
    blue.copy(out, dst + 2 * sampleBytes, src, src + sampleBytes);
  }
  return out;
}
