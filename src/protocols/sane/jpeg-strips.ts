/**
 * One baseline JPEG from strips encoded independently (ITU T.81): each strip of whole
 * MCU rows is encoded as it arrives (strip-codec.ts), and the strips' entropy-coded segments are
 * joined with restart markers (RSTm, B.2.1), which reset the DC predictors exactly where
 * a strip encoder starts. So a page is encoded while the scanner still sends it, on
 * several threads, with only a few strips in memory. This requires identical tables in
 * every strip: fixed quality and the standard Huffman tables (no optimised coding).
 * Pure functions here; the streaming encoder is jpeg-strip-encoder.ts.
 */
import { ScanError } from '../../core/errors.js';

/** The largest restart interval a DRI segment can hold (16 bits). */
export const MAX_RESTART_INTERVAL = 0xffff;

const MARKER = { SOF0: 0xc0, SOF1: 0xc1, DHT: 0xc4, SOI: 0xd8, EOI: 0xd9, SOS: 0xda, DQT: 0xdb, DRI: 0xdd, RST0: 0xd0 } as const;

/** A strip JPEG taken apart. */
export interface JpegStrip {
  /** SOI up to (not including) SOS, with the frame header. */
  head: Buffer;
  /** The SOS segment. */
  scanHeader: Buffer;
  /** Entropy-coded data between SOS and EOI. */
  entropy: Buffer;
  /** Offset of the SOF segment's height field within `head`. */
  heightAt: number;
  /** The DQT and DHT segments, which must match across strips. */
  tables: Buffer;
  /** MCU size in pixels (interleaved scans; 8 x 8 with one component). */
  mcuWidth: number;
  mcuHeight: number;
}

function bad(message: string): ScanError {
  return new ScanError('Internal', `strip JPEG: ${message}`);
}

/** Splits a baseline JPEG from the encoder into the parts the assembler needs. */
export function parseJpegStrip(jpeg: Buffer): JpegStrip {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== MARKER.SOI) throw bad('no SOI');
  if (jpeg[jpeg.length - 2] !== 0xff || jpeg[jpeg.length - 1] !== MARKER.EOI) throw bad('no EOI at the end');
  const tables: Buffer[] = [];
  let heightAt = -1;
  let mcu = { width: 8, height: 8 };
  for (let at = 2; at + 4 <= jpeg.length;) {
    if (jpeg[at] !== 0xff) throw bad(`no marker at ${at}`);
    const marker = jpeg[at + 1] ?? 0;
    const length = jpeg.readUInt16BE(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > jpeg.length) throw bad(`segment at ${at} overruns`);
    if (marker === MARKER.SOS) {
      if (heightAt < 0) throw bad('no baseline frame header');
      return { head: jpeg.subarray(0, at), scanHeader: jpeg.subarray(at, end), entropy: jpeg.subarray(end, jpeg.length - 2), heightAt, tables: Buffer.concat(tables), mcuWidth: mcu.width, mcuHeight: mcu.height };
    }
    if (marker === MARKER.SOF0 || marker === MARKER.SOF1) {
      heightAt = at + 5;
      mcu = mcuSize(jpeg.subarray(at + 4, end));
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== MARKER.DHT && marker !== 0xc8 && marker !== 0xcc) {
      throw bad('not a baseline JPEG');
    } else if (marker === MARKER.DQT || marker === MARKER.DHT) {
      tables.push(jpeg.subarray(at, end));
    }
    at = end;
  }
  throw bad('no SOS');
}

/** MCU size from a SOF body (precision, height, width, components with sampling factors). */
function mcuSize(sof: Buffer): { width: number; height: number } {
  const components = sof[5] ?? 0;
  if (components === 1) return { width: 8, height: 8 };
  let h = 1;
  let v = 1;
  for (let i = 0; i < components; i++) {
    const factors = sof[6 + i * 3 + 1] ?? 0x11;
    h = Math.max(h, factors >> 4);
    v = Math.max(v, factors & 0x0f);
  }
  return { width: 8 * h, height: 8 * v };
}

/** The restart interval (MCUs per strip) for strips of `stripLines` lines of `width` pixels. */
export function restartInterval(first: JpegStrip, width: number, stripLines: number): number {
  if (stripLines % first.mcuHeight !== 0) throw bad(`${stripLines} lines is not whole MCU rows of ${first.mcuHeight}`);
  const interval = Math.ceil(width / first.mcuWidth) * (stripLines / first.mcuHeight);
  if (interval > MAX_RESTART_INTERVAL) throw bad(`restart interval ${interval} too large`);
  return interval;
}

/** The file head: the first strip's headers with the page's height, a DRI segment, and SOS. */
export function assembledHead(first: JpegStrip, height: number, interval: number): Buffer {
  const head = Buffer.from(first.head);
  head.writeUInt16BE(height, first.heightAt);
  const dri = Buffer.from([0xff, MARKER.DRI, 0x00, 0x04, interval >> 8, interval & 0xff]);
  return Buffer.concat([head, dri, first.scanHeader]);
}

/**
 * A later strip's entropy-coded data with its RSTm marker in front, without a copy: the marker is
 * written over the last two bytes of the strip's own SOS segment, which the joined file does not
 * use (it has the first strip's). One buffer per strip, so a reader of the page stream is not
 * handed a 2-byte marker and the data apart (a byte stream's reader joins such pieces by copying).
 */
export function entropyWithRestartMarker(strip: JpegStrip, index: number): Buffer {
  const { entropy } = strip;
  const out = Buffer.from(entropy.buffer, entropy.byteOffset - 2, entropy.length + 2);
  restartMarker(index).copy(out, 0);
  return out;
}

/** The RSTm marker that goes before strip number `index` (1-based after the first). */
export function restartMarker(index: number): Buffer {
  return Buffer.from([0xff, MARKER.RST0 + ((index - 1) % 8)]);
}

/** The end of the file. */
export const JPEG_EOI = Buffer.from([0xff, MARKER.EOI]);

/** Shape of the raw 8-bit pixels to encode. */
export interface StripShape {
  width: number;
  height: number;
  channels: 1 | 3;
}
