/** Decides which output documents a job's spooled pages become, by the requested format. */
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { ScanError } from '../../core/errors.js';
import { mimeTypeFor } from '../../core/page-format.js';
import type { ScanSettings } from '../../core/settings.js';
import type { Logger } from '../../core/logger.js';
import type { SpooledPage } from '../spooled-page.js';
import type { OutputDocument } from '../target.js';
import { assemblePdf } from './assemble-pdf.js';
import { imageDocumentForPage } from './image-documents.js';
import { countPdfPages, mergePdfs } from './merge-pdf.js';

/** What building needs besides the pages. */
export interface BuildOptions {
  settings: ScanSettings;
  createdAt: Date;
  /** Spool folder of this job: outputs and intermediates are written here. */
  workDir: string;
  logger: Logger;
}

/** Builds the output documents for `pages` (in batch order) into `workDir`. */
export async function buildDocuments(pages: readonly SpooledPage[], options: BuildOptions): Promise<OutputDocument[]> {
  if (pages.length === 0) throw new ScanError('StorageFailed', 'the job has no pages to store');
  const { settings, workDir } = options;
  if (settings.format !== 'pdf') {
    const docs: OutputDocument[] = [];
    for (const page of pages) docs.push(await imageDocumentForPage(page, settings.format, settings.color_mode, workDir));
    return docs;
  }
  return [await buildPdfDocument(pages, options)];
}

/** One PDF: the device's own when it sent one, merged when it sent several, assembled from images otherwise. */
async function buildPdfDocument(pages: readonly SpooledPage[], options: BuildOptions): Promise<OutputDocument> {
  const pdfPages = pages.filter((p) => p.type === 'pdf');
  const doc = async (path: string, count: number): Promise<OutputDocument> => ({
    path,
    format: 'pdf',
    extension: 'pdf',
    mimeType: mimeTypeFor('pdf'),
    firstPage: 1,
    pages: count,
    bytes: (await stat(path)).size,
  });
  const only = pages[0];
  if (pages.length === 1 && only !== undefined && only.type === 'pdf') {
    const count = await countPdfPages(only.path);
    if (count === undefined) options.logger.warn({ path: only.path }, 'device PDF not readable by pdf-lib; stored as is');
    return doc(only.path, count ?? 1);
  }
  const target = join(options.workDir, 'document.pdf');
  if (pdfPages.length === pages.length) return doc(target, await mergePdfs(pages, target));
  if (pdfPages.length > 0) throw new ScanError('Unsupported', 'the device mixed PDF and image pages in one job');
  const summary = await assemblePdf(pages, target, {
    colorMode: options.settings.color_mode,
    fallbackResolution: options.settings.resolution,
    createdAt: options.createdAt,
    workDir: options.workDir,
  });
  return doc(target, summary.pages);
}
