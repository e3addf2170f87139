/**
 * Raw normalised pixels → an encoded page stream. 8-bit JPEG and PNG pages are encoded
 * while they arrive (jpeg-strip-encoder.ts, png-rows.ts), so a page is never whole in memory;
 * TIFF pages stream into sharp (which buffers them); 16-bit pages go through a
 * Uint16Array because sharp only takes 16-bit raw input from typed arrays.
 */
import { PassThrough, Readable } from 'node:stream';
import type { Sharp } from 'sharp';
import { loadSharp } from '../../imaging/sharp-loader.js';
import type { ColorMode, DocumentFormat } from '../../core/capabilities.js';
import { WritableFeed, type PageEncoder } from './byte-sink.js';
import { encodeJpegInStrips, JpegStripEncoder } from './jpeg-strip-encoder.js';
import { encodePngRows } from './png-rows.js';

/** Raw bytes buffered in front of a stream encoder (PNG, TIFF, 16-bit) before the data port waits. */
const STREAM_ENCODER_INPUT_BYTES = 1024 * 1024;

/** Default JPEG quality of encoded pages (`scan.jpeg_quality`); scans of text stay legible at this level. */
export const JPEG_QUALITY = 90;

/** The geometry of the raw pixels handed to the encoder. */
export interface RawPageShape {
  width: number;
  height: number;
  channels: 1 | 3;
  /** 1 for 8-bit samples, 2 for 16-bit little-endian. */
  sampleBytes: 1 | 2;
}

/** Image encodings a page is delivered in. */
export type PageEncoding = 'png' | 'jpeg' | 'tiff';

/** The per-page encoding for a requested document format; PDF pages become JPEG, or PNG for line art. */
export function pageEncodingFor(format: DocumentFormat, mode: ColorMode): PageEncoding {
  if (format === 'pdf') return mode === 'bw' ? 'png' : 'jpeg';
  return format;
}

/** MIME type of a page encoding. */
export function mimeTypeOf(encoding: PageEncoding): string {
  return `image/${encoding}`;
}

function applyEncoding(img: Sharp, shape: RawPageShape, encoding: PageEncoding, quality: number): Sharp {
  // sharp converts to sRGB unless told otherwise, which would triple grey pages.
  if (shape.sampleBytes === 2 && encoding !== 'jpeg') img = img.toColourspace(shape.channels === 3 ? 'rgb16' : 'grey16');
  else if (shape.channels === 1) img = img.toColourspace('b-w');
  if (encoding === 'png') return img.png();
  if (encoding === 'jpeg') return img.jpeg({ quality });
  return img.tiff({ compression: 'lzw' });
}

/** An encoder that takes raw lines as a data port delivers them (views it must copy); the strip JPEG encoder copies straight into its strips. */
export function createPageEncoder(shape: RawPageShape, encoding: PageEncoding, quality = JPEG_QUALITY): PageEncoder {
  if (encoding === 'jpeg' && shape.sampleBytes === 1) return new JpegStripEncoder(shape, quality);
  return new StreamFedEncoder((raw) => encodeRawPage(raw, shape, encoding, quality));
}

/** A stream encoder fed through copied blocks. */
class StreamFedEncoder implements PageEncoder {
  readonly output: Readable;
  private readonly input = new PassThrough({ highWaterMark: STREAM_ENCODER_INPUT_BYTES });
  private readonly feed = new WritableFeed(this.input);

  constructor(encode: (raw: Readable) => Readable) {
    this.output = encode(this.input);
    // A consumer that stops reading must also stop the transfer, not leave it waiting for room.
    this.output.once('close', () => {
      if (!this.input.writableFinished) this.input.destroy(this.output.errored ?? new Error('the page stream was closed'));
    });
  }

  get accepting(): boolean {
    return this.feed.accepting;
  }

  write(bytes: Buffer): void {
    this.feed.write(bytes);
  }

  ready(): Promise<void> {
    return this.feed.ready();
  }

  end(): void {
    this.feed.end();
  }

  destroy(error: Error): void {
    this.input.destroy(error);
    if (!this.output.destroyed) this.output.destroy(error);
  }
}

/** Encodes raw pixels streamed from `raw` (owned chunks); the returned stream errors if `raw` does. */
export function encodeRawPage(raw: Readable, shape: RawPageShape, encoding: PageEncoding, quality = JPEG_QUALITY): Readable {
  if (shape.sampleBytes === 2) return Readable.from(encodeSixteenBit(raw, shape, encoding, quality));
  if (encoding === 'jpeg') return encodeJpegInStrips(raw, shape, quality);
  if (encoding === 'png') return Readable.from(encodePngRows(raw, shape), { objectMode: false });
  return Readable.from(encodeWithSharp(raw, shape, encoding, quality), { objectMode: false });
}

/** TIFF: the raw lines are piped into sharp, which buffers them and encodes at the end. */
async function* encodeWithSharp(raw: Readable, shape: RawPageShape, encoding: PageEncoding, quality: number): AsyncGenerator<Buffer> {
  const sharp = await loadSharp();
  const encoder = applyEncoding(sharp({ raw: { width: shape.width, height: shape.height, channels: shape.channels } }), shape, encoding, quality);
  raw.once('error', (err) => encoder.destroy(err));
  for await (const chunk of raw.pipe(encoder)) yield chunk as Buffer;
}

async function* encodeSixteenBit(raw: Readable, shape: RawPageShape, encoding: PageEncoding, quality: number): AsyncGenerator<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of raw) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  const samples = new Uint16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.length / 2));
  const sharp = await loadSharp();
  const img = sharp(samples, { raw: { width: shape.width, height: shape.height, channels: shape.channels } });
  yield await applyEncoding(img, shape, encoding, quality).toBuffer();
}
