/**
 * A small JPEG of the last scanned page, for Home Assistant's image entity. Images are
 * scaled with sharp. For a PDF whose last page is one JPEG (what the gateway writes), that JPEG
 * is scaled (libjpeg decodes it at an eighth of its size); other PDFs are rendered with poppler's
 * pdftoppm when it is installed, which for a 600 dpi page costs about 1.3 s of CPU.
 */
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { loadSharp } from '../imaging/sharp-loader.js';
import type { StoredFile } from '../core/job.js';
import { lastPageJpeg } from '../storage/documents/pdf-last-jpeg.js';

/** Preview width in pixels: enough for a dashboard card, small enough for a retained message. */
export const PREVIEW_WIDTH_PX = 480;
/** pdftoppm may take this long on a big page. */
const PDF_RENDER_TIMEOUT_MS = 20_000;
/** Largest rendered page accepted from pdftoppm. */
const PDF_RENDER_MAX_BYTES = 32 * 1024 * 1024;
/** Largest embedded JPEG read for a preview (a 1200 dpi A4 colour page is about 50 MB); bigger ones are rendered. */
const EMBEDDED_JPEG_MAX_BYTES = 128 * 1024 * 1024;

/** Makes a preview JPEG of the last page of the last stored file, or undefined when it cannot. */
export async function makePreview(stored: readonly StoredFile[]): Promise<Buffer | undefined> {
  const last = stored.at(-1);
  if (!last) return undefined;
  if (last.format !== 'pdf') return thumbnail(last.path);
  const jpeg = await embeddedJpeg(last.path);
  const fromJpeg = jpeg && (await thumbnail(jpeg).catch(() => undefined));
  if (fromJpeg) return fromJpeg;
  const rendered = await renderPdfPage(last.path, last.pages, PREVIEW_WIDTH_PX * 2);
  return rendered && thumbnail(rendered);
}

async function thumbnail(input: string | Buffer): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(input).resize({ width: PREVIEW_WIDTH_PX, withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 70 }).toBuffer();
}

/** The bytes of the JPEG the PDF's last page shows, when it is that simple. */
async function embeddedJpeg(path: string): Promise<Buffer | undefined> {
  const range = await lastPageJpeg(path);
  if (!range || range.length > EMBEDDED_JPEG_MAX_BYTES) return undefined;
  const file = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(range.length);
    const { bytesRead } = await file.read(bytes, 0, range.length, range.offset);
    return bytesRead === range.length ? bytes : undefined;
  } finally {
    await file.close();
  }
}

/** Renders one page (1-based) of a PDF as a PNG about `widthPx` wide; undefined when pdftoppm is missing or fails. */
export function renderPdfPage(path: string, page: number, widthPx: number): Promise<Buffer | undefined> {
  const n = String(Math.max(1, page));
  return new Promise((resolve) => {
    execFile(
      'pdftoppm',
      ['-f', n, '-l', n, '-scale-to', String(widthPx), '-png', '-singlefile', path],
      { encoding: 'buffer', timeout: PDF_RENDER_TIMEOUT_MS, maxBuffer: PDF_RENDER_MAX_BYTES },
      (error, stdout) => resolve(error || stdout.length === 0 ? undefined : stdout),
    );
  });
}
