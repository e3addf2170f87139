/** Makes any spooled page readable by sharp, whose prebuilt libvips lacks PNM and BMP loaders. */
import { join } from 'node:path';
import { ScanError } from '../../core/errors.js';
import type { SpooledPage } from '../spooled-page.js';
import { openRasterSource } from './raster-source.js';
import { writePng } from './png-writer.js';

/** zlib level for PNGs that only live in the spool until sharp has read them. */
export const INTERMEDIATE_PNG_LEVEL = 1;

/** Returns a file sharp can read for `page`: the page itself, or a PNG written next to it in `workDir`. */
export async function sharpReadablePath(page: SpooledPage, workDir: string): Promise<string> {
  if (page.type === 'pdf') throw new ScanError('Unsupported', `page ${page.index} is a PDF and cannot be converted to an image`);
  if (page.type !== 'pnm' && page.type !== 'bmp') return page.path;
  const target = join(workDir, `page-${String(page.index).padStart(4, '0')}.from-${page.type}.png`);
  await writePng(target, await openRasterSource(page.path, page.type), {
    resolution: page.resolution,
    compressionLevel: INTERMEDIATE_PNG_LEVEL,
  });
  return target;
}
