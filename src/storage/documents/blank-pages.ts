/**
 * Finds blank pages: the page is shrunk to a small grey image (averaging away scanner noise and
 * dust specks), its borders are cut (ADF shadows and edge lines), and the share of pixels
 * clearly darker than paper white decides.
 */
import { loadSharp } from '../../imaging/sharp-loader.js';
import type { SpooledPage } from '../spooled-page.js';
import { sharpReadablePath } from './sharp-input.js';

/** Width of the grey thumbnail the decision is made on: ~1 mm per pixel on A4, enough for a line of text. */
export const BLANK_ANALYSIS_WIDTH = 200;
/** Share of width/height cut from each border before counting. */
export const BLANK_BORDER_FRACTION = 0.04;
/** How far below the page's own paper white a pixel must be to count as ink (0..255). */
export const INK_CONTRAST = 40;
/** Pixel limit when decoding a page (guards against decompression bombs). */
const PIXEL_LIMIT = 30_000 * 30_000;

/** Share (0..1) of ink pixels on a page. */
export async function inkFraction(page: SpooledPage, workDir: string): Promise<number> {
  const input = await sharpReadablePath(page, workDir);
  const sharp = await loadSharp();
  const { data, info } = await sharp(input, { limitInputPixels: PIXEL_LIMIT })
    .flatten({ background: '#ffffff' })
    .greyscale()
    .resize({ width: BLANK_ANALYSIS_WIDTH, kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const width = info.width;
  const height = info.height;
  const bx = Math.floor(width * BLANK_BORDER_FRACTION);
  const by = Math.floor(height * BLANK_BORDER_FRACTION);
  // Paper white: a bright percentile of the inner area, so grey recycled paper is not all "ink".
  const histogram = new Array<number>(256).fill(0);
  let total = 0;
  for (let y = by; y < height - by; y++) {
    for (let x = bx; x < width - bx; x++) {
      const v = data[(y * width + x) * info.channels] ?? 255;
      histogram[v] = (histogram[v] ?? 0) + 1;
      total++;
    }
  }
  if (total === 0) return 0;
  const paper = percentile(histogram, total, 0.9);
  const inkBelow = paper - INK_CONTRAST;
  let ink = 0;
  for (let v = 0; v < inkBelow; v++) ink += histogram[v] ?? 0;
  return ink / total;
}

/** Grey level below which `fraction` of the pixels lie. */
function percentile(histogram: readonly number[], total: number, fraction: number): number {
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v] ?? 0;
    if (seen >= total * fraction) return v;
  }
  return 255;
}

/** Splits `pages` into kept and blank ones (PDF pages from the device are always kept). */
export async function partitionBlankPages(pages: readonly SpooledPage[], threshold: number, workDir: string): Promise<{ kept: SpooledPage[]; blank: SpooledPage[] }> {
  const kept: SpooledPage[] = [];
  const blank: SpooledPage[] = [];
  for (const page of pages) {
    if (page.type !== 'pdf' && (await inkFraction(page, workDir)) < threshold) blank.push(page);
    else kept.push(page);
  }
  return { kept, blank };
}
