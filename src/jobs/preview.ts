/**
 * A small JPEG of the last scanned page, for Home Assistant's image entity. Images are
 * scaled with sharp; PDFs are rendered with poppler's pdftoppm when it is installed.
 */
import { execFile } from 'node:child_process';
import { loadSharp } from '../imaging/sharp-loader.js';
import type { StoredFile } from '../core/job.js';

/** Preview width in pixels: enough for a dashboard card, small enough for a retained message. */
export const PREVIEW_WIDTH_PX = 480;
/** pdftoppm may take this long on a big page. */
const PDF_RENDER_TIMEOUT_MS = 20_000;
/** Largest rendered page accepted from pdftoppm. */
const PDF_RENDER_MAX_BYTES = 32 * 1024 * 1024;

/** Makes a preview JPEG of the last page of the last stored file, or undefined when it cannot. */
export async function makePreview(stored: readonly StoredFile[]): Promise<Buffer | undefined> {
  const last = stored.at(-1);
  if (!last) return undefined;
  const input = last.format === 'pdf' ? await renderPdfPage(last.path, last.pages, PREVIEW_WIDTH_PX * 2) : last.path;
  if (!input) return undefined;
  const sharp = await loadSharp();
  return sharp(input).resize({ width: PREVIEW_WIDTH_PX, withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 70 }).toBuffer();
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
