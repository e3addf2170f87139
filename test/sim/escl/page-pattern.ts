/**
 * Draws the small RGB "artwork" of a simulated page: a border, diagonal stripes
 * whose angle depends on the page, a gradient, light noise and the page number
 * in big digits. The renderer scales it up to the requested pixel size, so
 * pages differ from each other and compress like real scans rather than like
 * flat colour.
 */

/** Longest side of the drawn artwork, in pixels, before scaling to page size. */
export const PATTERN_MAX_SIDE = 800;

/** 3x5 bitmaps of the digits 0-9, one row per string. */
const DIGITS: readonly (readonly string[])[] = [
  ['111', '101', '101', '101', '111'],
  ['010', '110', '010', '010', '111'],
  ['111', '001', '111', '100', '111'],
  ['111', '001', '111', '001', '111'],
  ['101', '101', '111', '001', '001'],
  ['111', '100', '111', '001', '111'],
  ['111', '100', '111', '101', '111'],
  ['111', '001', '010', '010', '010'],
  ['111', '101', '111', '101', '111'],
  ['111', '101', '111', '001', '111'],
];

/** Raw RGB pixels of the artwork. */
export interface PatternPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Buffer;
}

/** Artwork size for a page of `width`×`height` px: same aspect, at most PATTERN_MAX_SIDE. */
export function patternSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.max(1, Math.ceil(Math.max(width, height) / PATTERN_MAX_SIDE));
  return { width: Math.max(1, Math.ceil(width / scale)), height: Math.max(1, Math.ceil(height / scale)) };
}

/** Draws page `pageNumber` (1-based) as raw RGB at the given artwork size. */
export function drawPattern(width: number, height: number, pageNumber: number): PatternPixels {
  const data = Buffer.alloc(width * height * 3);
  let seed = (pageNumber * 2654435761) >>> 0;
  const period = 12 + (pageNumber % 7) * 4;
  const slope = pageNumber % 2 === 0 ? 1 : -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      const noise = (seed >>> 28) - 8;
      const stripe = ((x + slope * y + 4 * height) % period) < period / 3;
      const shade = 235 - Math.floor((x / width) * 60);
      const base = stripe ? shade - 90 : shade;
      const offset = (y * width + x) * 3;
      data[offset] = clamp(base + noise + (pageNumber * 37) % 40);
      data[offset + 1] = clamp(base + noise);
      data[offset + 2] = clamp(base + noise + 20 - (pageNumber * 53) % 40);
    }
  }
  drawBorder(data, width, height);
  drawNumber(data, width, height, pageNumber);
  return { width, height, data };
}

function clamp(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

function setPixel(data: Buffer, width: number, height: number, x: number, y: number, value: number): void {
  if (x < 0 || y < 0 || x >= width || y >= height) return;
  const offset = (y * width + x) * 3;
  data[offset] = value;
  data[offset + 1] = value;
  data[offset + 2] = value;
}

function drawBorder(data: Buffer, width: number, height: number): void {
  const thickness = Math.max(1, Math.floor(Math.min(width, height) / 100));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const edge = x < thickness || y < thickness || x >= width - thickness || y >= height - thickness;
      if (edge) setPixel(data, width, height, x, y, 0);
    }
  }
}

function drawNumber(data: Buffer, width: number, height: number, pageNumber: number): void {
  const text = String(pageNumber);
  // Digits take about a quarter of the page width, so the number survives downscaled previews.
  const cell = Math.max(1, Math.floor(Math.min(width / (text.length * 4 + 4), height / 10) / 2));
  const left = cell * 2;
  const top = cell * 2;
  [...text].forEach((char, index) => {
    const glyph = DIGITS[Number(char)] ?? [];
    glyph.forEach((row, gy) => {
      [...row].forEach((bit, gx) => {
        if (bit !== '1') return;
        for (let dy = 0; dy < cell; dy++) {
          for (let dx = 0; dx < cell; dx++) {
            setPixel(data, width, height, left + (index * 4 + gx) * cell + dx, top + gy * cell + dy, 20);
          }
        }
      });
    });
  });
}
