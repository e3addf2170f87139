/** Decides which output documents a job's spooled pages become, by the requested format and document options. */
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { ScanError } from '../../core/errors.js';
import { mimeTypeFor } from '../../core/page-format.js';
import type { ScanSettings } from '../../core/settings.js';
import type { Logger } from '../../core/logger.js';
import type { DocumentOptions } from '../document-options.js';
import type { SpooledPage } from '../spooled-page.js';
import type { OutputDocument } from '../target.js';
import { assemblePdf, PDF_PRODUCER } from './assemble-pdf.js';
import { partitionBlankPages } from './blank-pages.js';
import { orderDuplexPages } from './duplex-order.js';
import { imageDocumentForPage } from './image-documents.js';
import { countPdfPages, mergeDevicePdfs } from './merge-pdf.js';
import { joinTiffPages } from './multipage-tiff.js';
import { ocrPdf } from './ocr.js';
import type { PdfInfo } from './pdf-writer.js';

/** What building needs besides the pages. */
export interface BuildOptions {
  settings: ScanSettings;
  createdAt: Date;
  /** Spool folder of this job: outputs and intermediates are written here. */
  workDir: string;
  logger: Logger;
  document?: DocumentOptions;
  /** Default PDF Creator when metadata is asked for. */
  scannerName?: string;
  /** PATH for optional tools (ocrmypdf, tiffcp); the process PATH by default. */
  toolPath?: string;
}

/** The documents of a job and what was left out. */
export interface BuiltDocuments {
  documents: OutputDocument[];
  /** Reading-order numbers (after duplex ordering, before removal) of pages dropped as blank. */
  removedBlankPages: number[];
}

/** Builds the output documents for `pages` (in batch order) into `workDir`. */
export async function buildDocuments(pages: readonly SpooledPage[], options: BuildOptions): Promise<OutputDocument[]> {
  return (await buildJobDocuments(pages, options)).documents;
}

/** Pages renumbered 1..n in the given order. */
const renumbered = (pages: readonly SpooledPage[]) => pages.map((p, i) => ({ ...p, index: i + 1 }));

/** Orders duplex pages, removes blank ones, then builds the documents. */
export async function buildJobDocuments(pages: readonly SpooledPage[], options: BuildOptions): Promise<BuiltDocuments> {
  if (pages.length === 0) throw new ScanError('StorageFailed', 'the job has no pages to store');
  const docOptions = options.document ?? {};
  let ordered = renumbered(orderDuplexPages(pages, docOptions.duplexOrder ?? 'as-delivered'));
  const removedBlankPages: number[] = [];
  if (docOptions.blankPages !== undefined) {
    const { kept, blank } = await partitionBlankPages(ordered, docOptions.blankPages.threshold, options.workDir);
    if (kept.length === 0) throw new ScanError('StorageFailed', `all ${ordered.length} pages were blank (blank page threshold ${docOptions.blankPages.threshold}); nothing stored`);
    removedBlankPages.push(...blank.map((p) => p.index));
    if (blank.length > 0) options.logger.info({ removed: removedBlankPages }, 'blank pages removed');
    ordered = renumbered(kept);
  }
  const { settings, workDir } = options;
  if (settings.format === 'pdf') return { documents: [await buildPdfDocument(ordered, options)], removedBlankPages };
  if (docOptions.ocr !== undefined) options.logger.warn({ format: settings.format }, 'OCR applies to PDF documents only; skipped');
  const docs: OutputDocument[] = [];
  for (const page of ordered) docs.push(await imageDocumentForPage(page, settings.format, settings.color_mode, workDir));
  if (settings.format === 'tiff' && docOptions.multipageTiff === true && docs.length > 1) {
    const target = join(workDir, 'document.tif');
    await joinTiffPages(docs.map((d) => d.path), target, options.toolPath);
    return { documents: [{ ...docs[0]!, path: target, firstPage: 1, pages: docs.length, bytes: (await stat(target)).size }], removedBlankPages };
  }
  return { documents: docs, removedBlankPages };
}

/** The PDF document information for this job. */
export function pdfInfo(options: Pick<BuildOptions, 'createdAt' | 'document' | 'scannerName'>): PdfInfo {
  const meta = options.document?.metadata;
  if (meta === undefined) return { producer: PDF_PRODUCER, createdAt: options.createdAt };
  return {
    producer: PDF_PRODUCER,
    createdAt: options.createdAt,
    ...(meta.title !== undefined ? { title: meta.title } : {}),
    ...(meta.author !== undefined ? { author: meta.author } : {}),
    ...(meta.subject !== undefined ? { subject: meta.subject } : {}),
    ...(meta.keywords !== undefined ? { keywords: meta.keywords.join(', ') } : {}),
    ...(meta.creator !== undefined || options.scannerName !== undefined ? { creator: meta.creator ?? options.scannerName } : {}),
  };
}

/** A PDF output document for the file at `path`. */
async function pdfDocument(path: string, count: number): Promise<OutputDocument> {
  return { path, format: 'pdf', extension: 'pdf', mimeType: mimeTypeFor('pdf'), firstPage: 1, pages: count, bytes: (await stat(path)).size };
}

/** One PDF (the device's own, merged, or assembled from images), made searchable when asked. */
async function buildPdfDocument(pages: readonly SpooledPage[], options: BuildOptions): Promise<OutputDocument> {
  return searchableWhenAsked(await buildPlainPdf(pages, options), options);
}

/** The PDF a job wrote while its pages arrived (live-pdf.ts) as its document, made searchable when asked. */
export async function finishedPdfDocument(path: string, pages: number, options: BuildOptions): Promise<OutputDocument> {
  return searchableWhenAsked(await pdfDocument(path, pages), options);
}

async function searchableWhenAsked(doc: OutputDocument, options: BuildOptions): Promise<OutputDocument> {
  const ocr = options.document?.ocr;
  if (ocr === undefined) return doc;
  const target = join(options.workDir, 'document.ocr.pdf');
  await ocrPdf(doc.path, target, { language: ocr.language, ...(options.toolPath !== undefined ? { path: options.toolPath } : {}) });
  return pdfDocument(target, doc.pages);
}

async function buildPlainPdf(pages: readonly SpooledPage[], options: BuildOptions): Promise<OutputDocument> {
  const pdfPages = pages.filter((p) => p.type === 'pdf');
  const only = pages[0];
  if (pages.length === 1 && only !== undefined && only.type === 'pdf') {
    const count = await countPdfPages(only.path, options.toolPath);
    if (count === undefined) options.logger.warn({ path: only.path }, 'device PDF could not be read to count its pages; stored as is');
    return pdfDocument(only.path, count ?? 1);
  }
  const target = join(options.workDir, 'document.pdf');
  if (pdfPages.length === pages.length) return pdfDocument(target, await mergeDevicePdfs(pages, target, pdfInfo(options), options.toolPath));
  if (pdfPages.length > 0) throw new ScanError('Unsupported', 'the device mixed PDF and image pages in one job');
  const summary = await assemblePdf(pages, target, {
    colorMode: options.settings.color_mode,
    fallbackResolution: options.settings.resolution,
    createdAt: options.createdAt,
    workDir: options.workDir,
    info: pdfInfo(options),
  });
  return pdfDocument(target, summary.pages);
}
