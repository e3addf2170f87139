/** One image file per page in the requested format: passed through when already right, else converted once. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutputInfo } from 'sharp';
import { loadSharp } from '../../imaging/sharp-loader.js';
import type { ColorMode, DocumentFormat } from '../../core/capabilities.js';
import { extensionFor, mimeTypeFor } from '../../core/page-format.js';
import type { SpooledPage } from '../spooled-page.js';
import type { OutputDocument } from '../target.js';
import { openRasterSource } from './raster-source.js';
import { writePng } from './png-writer.js';
import { sharpReadablePath } from './sharp-input.js';
import { BW_THRESHOLD } from './pdf-image.js';

/** Image formats a page can be stored as. */
export type ImageFormat = Exclude<DocumentFormat, 'pdf'>;

/** Millimetres per inch: sharp takes TIFF resolution in pixels per mm. */
const MM_PER_INCH = 25.4;

/** JPEG quality for pages converted to JPEG files. */
export const IMAGE_JPEG_QUALITY = 90;

/** Produces the output document for one page; converted files go to `workDir`. */
export async function imageDocumentForPage(page: SpooledPage, format: ImageFormat, colorMode: ColorMode, workDir: string): Promise<OutputDocument> {
  const doc = (path: string, bytes: number): OutputDocument => ({
    path,
    format,
    extension: extensionFor(format),
    mimeType: mimeTypeFor(format),
    firstPage: page.index,
    pages: 1,
    bytes,
  });
  if (page.type === format) return doc(page.path, page.bytes);
  const target = join(workDir, `page-${String(page.index).padStart(4, '0')}.out.${extensionFor(format)}`);
  if (format === 'png' && (page.type === 'pnm' || page.type === 'bmp')) {
    await writePng(target, await openRasterSource(page.path, page.type), { resolution: page.resolution });
    return doc(target, (await stat(target)).size);
  }
  const input = await sharpReadablePath(page, workDir);
  const info = await convertWithSharp(input, target, format, colorMode, page.resolution);
  return doc(target, info.size);
}

/** One sharp pass file to file; keeps grey pages grey and records the scan resolution. */
async function convertWithSharp(input: string, target: string, format: ImageFormat, colorMode: ColorMode, resolution: number | undefined): Promise<OutputInfo> {
  const sharp = await loadSharp();
  const meta = await sharp(input).metadata();
  let image = sharp(input);
  const hasResolution = resolution !== undefined && resolution > 0;
  // withMetadata would also convert the output back to an sRGB profile, which breaks 1-bit TIFFs;
  // TIFF takes its resolution as xres/yres (pixels per mm) instead.
  if (hasResolution && format !== 'tiff') image = image.withMetadata({ density: resolution });
  const tiffResolution = hasResolution ? { xres: resolution / MM_PER_INCH, yres: resolution / MM_PER_INCH } : {};
  const grey = colorMode !== 'color' || meta.channels === 1 || meta.space === 'b-w';
  if (format === 'jpeg') image = image.flatten({ background: '#ffffff' });
  if (grey) image = image.toColourspace('b-w');
  if (colorMode === 'bw' && format !== 'jpeg') image = image.flatten({ background: '#ffffff' }).threshold(BW_THRESHOLD);
  if (format === 'jpeg') return image.jpeg({ quality: IMAGE_JPEG_QUALITY }).toFile(target);
  if (format === 'png') return image.png().toFile(target);
  // CCITT G4 is what fax and archive tools expect from bitonal TIFFs, and it is tiny.
  if (colorMode === 'bw') return image.tiff({ compression: 'ccittfax4', bitdepth: 1, ...tiffResolution }).toFile(target);
  return image.tiff({ compression: 'lzw', ...tiffResolution }).toFile(target);
}
