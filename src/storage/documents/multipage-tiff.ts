/** One multi-page TIFF from single-page TIFFs, with libtiff's tiffcp (streams page by page, never all in memory). */
import { ScanError } from '../../core/errors.js';
import { findOnPath, runTool } from './external-tool.js';

/** Concatenating is I/O-bound; even 500 pages take seconds. */
export const TIFFCP_TIMEOUT_MS = 10 * 60_000;

/** Joins `pages` (TIFF files, in order) into `output`. */
export async function joinTiffPages(pages: readonly string[], output: string, path?: string): Promise<void> {
  const tiffcp = await findOnPath('tiffcp', path);
  if (tiffcp === undefined) throw new ScanError('Unsupported', 'multi-page TIFF asked for, but tiffcp is not installed (Debian/Ubuntu: apt install libtiff-tools)');
  // -a would append to an existing file; output must not exist, so the result is exactly these pages.
  await runTool(tiffcp, [...pages, output], TIFFCP_TIMEOUT_MS);
}
