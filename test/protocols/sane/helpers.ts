/** Shared helpers of the SANE tests: a silent logger, stream collection, PNM decoding. */
import { pino } from 'pino';
import sharp from 'sharp';
import type { Readable } from 'node:stream';
import type { ScannedPage } from '../../../src/core/scanner.js';
import type { ScanSettings } from '../../../src/core/settings.js';

/** A logger that prints nothing. */
export const silentLogger = pino({ level: 'silent' });

/** Reads a stream to the end. */
export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A page with its bytes read. */
export interface ReadPage {
  page: ScannedPage;
  bytes: Buffer;
}

/** Runs a scan to the end, reading every page. */
export async function scanAll(pages: AsyncIterable<ScannedPage>): Promise<ReadPage[]> {
  const out: ReadPage[] = [];
  for await (const page of pages) out.push({ page, bytes: await collect(page.data) });
  return out;
}

/** Settings for a small, fast scan. */
export function smallScan(over: Partial<ScanSettings> = {}): ScanSettings {
  return { source: 'platen', resolution: 75, color_mode: 'color', format: 'png', region: { x: 0, y: 0, width: 40, height: 30 }, ...over };
}

/** Raw pixels of an image: 8-bit or 16-bit (little-endian) samples. */
export interface RawImage {
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

/** Decodes an encoded page with sharp to raw samples (16-bit when `sixteen`). */
export async function decodeImage(bytes: Buffer, sixteen = false): Promise<RawImage> {
  // sharp's raw output is sRGB unless the colourspace is kept explicitly.
  const grey = (await sharp(bytes).metadata()).channels === 1;
  let img = sharp(bytes);
  if (sixteen) img = img.toColourspace(grey ? 'grey16' : 'rgb16');
  else if (grey) img = img.toColourspace('b-w');
  const { data, info } = await img.raw(sixteen ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: info.channels, data };
}

function pnmToken(buf: Buffer, at: { i: number }): string {
  for (;;) {
    while (at.i < buf.length && /\s/.test(String.fromCharCode(buf[at.i] ?? 0))) at.i++;
    if (buf[at.i] === 0x23) while (at.i < buf.length && buf[at.i] !== 0x0a) at.i++;
    else break;
  }
  const start = at.i;
  while (at.i < buf.length && !/\s/.test(String.fromCharCode(buf[at.i] ?? 0))) at.i++;
  return buf.toString('latin1', start, at.i);
}

/** Decodes scanimage's PNM (P4, P5, P6) into the same raw form: P4 → 0/255 grey, 16-bit → little-endian. */
export function decodePnm(buf: Buffer): RawImage {
  const at = { i: 0 };
  const magic = pnmToken(buf, at);
  const width = Number(pnmToken(buf, at));
  const height = Number(pnmToken(buf, at));
  const maxval = magic === 'P4' ? 1 : Number(pnmToken(buf, at));
  const body = buf.subarray(at.i + 1);
  if (magic === 'P4') {
    const stride = Math.ceil(width / 8);
    const data = Buffer.alloc(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) data[y * width + x] = (((body[y * stride + (x >> 3)] ?? 0) >> (7 - (x & 7))) & 1) ? 0 : 255;
    return { width, height, channels: 1, data };
  }
  const channels = magic === 'P6' ? 3 : 1;
  const sampleBytes = maxval > 255 ? 2 : 1;
  const data = Buffer.from(body.subarray(0, width * height * channels * sampleBytes));
  if (sampleBytes === 2) data.swap16();
  return { width, height, channels, data };
}
