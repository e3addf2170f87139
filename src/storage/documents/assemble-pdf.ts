/** Builds one multi-page PDF from image pages, streaming each page into the file in turn. */
import type { ColorMode } from '../../core/capabilities.js';
import { ScanError } from '../../core/errors.js';
import type { SpooledPage } from '../spooled-page.js';
import { pdfImageForPage } from './pdf-image.js';
import { createPdfWriter, type PdfInfo, type PdfSummary } from './pdf-writer.js';

/** Points per inch: PDF user space units (ISO 32000-1 §8.3.2.3). */
const POINTS_PER_INCH = 72;
/** Producer written into the PDF's document information. */
export const PDF_PRODUCER = 'scan2mqtt';

/** Page size in points for an image of `px` pixels scanned at `dpi`. */
export function pointsFromPixels(px: number, dpi: number): number {
  return (POINTS_PER_INCH * px) / dpi;
}

/** What assembly needs besides the pages. */
export interface AssembleOptions {
  colorMode: ColorMode;
  /** Resolution to assume for pages whose own resolution is unknown. */
  fallbackResolution: number;
  createdAt: Date;
  /** Folder for intermediate files (converted pages). */
  workDir: string;
  /** Document information; Producer and date only when unset. */
  info?: PdfInfo;
}

/** Writes `pages` (images, in order) as one PDF at `target`; removes the partial file on failure. */
export async function assemblePdf(pages: readonly SpooledPage[], target: string, options: AssembleOptions): Promise<PdfSummary> {
  const writer = await createPdfWriter(target, options.info ?? { producer: PDF_PRODUCER, createdAt: options.createdAt });
  try {
    for (const page of pages) {
      const dpi = page.resolution ?? options.fallbackResolution;
      if (!(dpi > 0)) throw new ScanError('InvalidRequest', `page ${page.index} has no usable resolution`);
      const image = await pdfImageForPage(page, options.colorMode, options.workDir);
      await writer.addImagePage(image, { widthPt: pointsFromPixels(image.width, dpi), heightPt: pointsFromPixels(image.height, dpi) });
    }
    return await writer.close();
  } catch (error) {
    await writer.discard();
    throw error;
  }
}
