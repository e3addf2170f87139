/**
 * Pre-made pages for the wire-speed eSCL source: real JPEG, PNG and PDF files of the size a
 * device sends for an A4 colour page, made once with sharp and pdf-lib and kept in a cache
 * folder under os.tmpdir(), so the benchmark measures the gateway, not page rendering.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { PDFDocument } from 'pdf-lib';

/** Bump when the recipe changes, so old caches are not reused. */
const CACHE_VERSION = 1;
/** Cache folder of the pages (made on the first run, then reused). */
export const PAGE_CACHE = join(tmpdir(), `scan2mqtt-bench-pages-v${CACHE_VERSION}`);
/** A4 in pixels at 300 and 600 dpi (210 x 297 mm). */
const A4_PX = { 300: { width: 2480, height: 3508 }, 600: { width: 4960, height: 7016 } } as const;
/** Grain of the noise: at quality 85 a 600 dpi A4 page comes out near 13 MB, like a busy colour scan. */
const NOISE_SIGMA = 21;
const JPEG_QUALITY = 85;
/** Points per inch (PDF user space). */
const POINTS_PER_INCH = 72;

/** The kinds of page the source serves. */
export type WirePageKind = 'jpeg600' | 'jpeg300' | 'png600' | 'pdf300' | 'pdf600';

/** A page as served: its bytes and MIME type. */
export interface WirePage {
  mime: string;
  bytes: Buffer;
}

async function cached(name: string, make: () => Promise<Buffer>): Promise<Buffer> {
  const path = join(PAGE_CACHE, name);
  if (existsSync(path)) return readFile(path);
  await mkdir(PAGE_CACHE, { recursive: true });
  const bytes = await make();
  await writeFile(`${path}.tmp`, bytes);
  await rename(`${path}.tmp`, path);
  return bytes;
}

function noiseJpeg(dpi: 300 | 600): Promise<Buffer> {
  const { width, height } = A4_PX[dpi];
  return sharp({ create: { width, height, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: NOISE_SIGMA } } }).jpeg({ quality: JPEG_QUALITY }).toBuffer();
}

/** A PNG with bands of colour and text-like speckle: PNG of noise would be unrealistically large. */
function bandsPng(dpi: 300 | 600): Promise<Buffer> {
  const { width, height } = A4_PX[dpi];
  const raw = Buffer.alloc(width * height * 3, 0xff);
  for (let y = 0; y < height; y++) {
    const band = Math.floor(y / 64) % 6;
    for (let x = 0; x < width; x += 1) {
      const at = (y * width + x) * 3;
      if ((x * 7 + y * 13) % 97 < 9) raw.fill(0x20, at, at + 3);
      else if (band < 3) raw[at + band] = (x + y) & 0xff;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** One PDF page showing a JPEG, as AirSane and many devices send it. */
async function jpegPdf(dpi: 300 | 600, jpeg: Buffer): Promise<Buffer> {
  const { width, height } = A4_PX[dpi];
  const doc = await PDFDocument.create();
  const image = await doc.embedJpg(jpeg);
  const page = doc.addPage([(width * POINTS_PER_INCH) / dpi, (height * POINTS_PER_INCH) / dpi]);
  page.drawImage(image, { x: 0, y: 0, width: page.getWidth(), height: page.getHeight() });
  return Buffer.from(await doc.save());
}

/** Makes (first run) or loads every page kind. */
export async function loadWirePages(): Promise<Record<WirePageKind, WirePage>> {
  const jpeg600 = await cached('a4-600-colour.jpg', () => noiseJpeg(600));
  const jpeg300 = await cached('a4-300-colour.jpg', () => noiseJpeg(300));
  const png600 = await cached('a4-600-colour.png', () => bandsPng(600));
  const pdf300 = await cached('a4-300-colour.pdf', () => jpegPdf(300, jpeg300));
  const pdf600 = await cached('a4-600-colour.pdf', () => jpegPdf(600, jpeg600));
  return {
    jpeg600: { mime: 'image/jpeg', bytes: jpeg600 },
    jpeg300: { mime: 'image/jpeg', bytes: jpeg300 },
    png600: { mime: 'image/png', bytes: png600 },
    pdf300: { mime: 'application/pdf', bytes: pdf300 },
    pdf600: { mime: 'application/pdf', bytes: pdf600 },
  };
}
