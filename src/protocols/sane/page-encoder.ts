/**
 * Raw normalised pixels → an encoded page stream. 8-bit JPEG and PNG pages are encoded
 * while they arrive (jpeg-strips.ts, png-rows.ts), so a page is never whole in memory;
 * TIFF pages stream into sharp (which buffers them); 16-bit pages go through a
 * Uint16Array because sharp only takes 16-bit raw input from typed arrays.
 */
import { Readable } from 'node:stream';
import type { Sharp } from 'sharp';
import { loadSharp } from '../../imaging/sharp-loader.js';
import type { ColorMode, DocumentFormat } from '../../core/capabilities.js';
import { encodeJpegInStrips } from './jpeg-strips.js';
import { encodePngRows } from './png-rows.js';

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

/** Encodes raw pixels streamed from `raw`; the returned stream errors if `raw` does. */
export function encodeRawPage(raw: Readable, shape: RawPageShape, encoding: PageEncoding, quality = JPEG_QUALITY): Readable {
  if (shape.sampleBytes === 2) return Readable.from(encodeSixteenBit(raw, shape, encoding, quality));
  if (encoding === 'jpeg') return Readable.from(encodeJpegInStrips(raw, shape, quality), { objectMode: false });
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
