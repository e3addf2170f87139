/** Named paper sizes a profile may use instead of a region, in millimetres (ISO 216, ANSI). */
import type { ScanRegionMm } from '../core/settings.js';

/** Width and height in mm of each named page size. */
export const PAGE_SIZES_MM = {
  a4: { width: 210, height: 297 },
  a5: { width: 148, height: 210 },
  a6: { width: 105, height: 148 },
  b5: { width: 176, height: 250 },
  letter: { width: 215.9, height: 279.4 },
  legal: { width: 215.9, height: 355.6 },
} as const;

/** A name from PAGE_SIZES_MM. */
export type PageSizeName = keyof typeof PAGE_SIZES_MM;

/** The known page size names. */
export const PAGE_SIZE_NAMES = Object.keys(PAGE_SIZES_MM) as PageSizeName[];

/** The region a named page size covers, from the top-left corner. */
export function pageSizeRegion(name: PageSizeName): ScanRegionMm {
  const size = PAGE_SIZES_MM[name];
  return { x: 0, y: 0, width: size.width, height: size.height };
}
