/**
 * Merges the PDFs a device sent (one per ADF page on some models) into one: with qpdf when
 * installed (streams objects; ~25 MiB for a 300 MB batch), else with pdf-lib in memory.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import type { PDFDocument } from 'pdf-lib';

/** pdf-lib (~19 MiB) is loaded only when a device PDF must be read without qpdf. */
const loadPdfLib = () => import('pdf-lib');
import { ScanError } from '../../core/errors.js';
import type { SpooledPage } from '../spooled-page.js';
import type { PdfInfo } from './pdf-writer.js';
import { findOnPath, runTool } from './external-tool.js';
import { updatePdfInfo } from './pdf-info-update.js';

/** Merging hundreds of pages is I/O-bound; this only stops a hung tool. */
export const QPDF_TIMEOUT_MS = 10 * 60_000;

/** Merges with qpdf when found on `toolPath` (or PATH), else with pdf-lib; returns the page count. */
export async function mergeDevicePdfs(pages: readonly SpooledPage[], target: string, info: PdfInfo, toolPath?: string): Promise<number> {
  const qpdf = await findOnPath('qpdf', toolPath);
  if (qpdf === undefined) return mergePdfs(pages, target, info);
  // Classic xref tables (no object streams) so the info update can append a plain trailer; exit 3 = warnings only.
  await runTool(qpdf, ['--warning-exit-0', '--object-streams=disable', '--empty', '--pages', ...pages.map((p) => p.path), '--', target], QPDF_TIMEOUT_MS).catch((error: unknown) => {
    throw new ScanError('ProtocolError', `unreadable PDF from the device: ${(error as Error).message}`, { cause: error });
  });
  await updatePdfInfo(target, info);
  return countPagesWithQpdf(qpdf, target);
}

/** Page count via `qpdf --show-npages`. */
async function countPagesWithQpdf(qpdf: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(qpdf, ['--show-npages', path], { timeout: QPDF_TIMEOUT_MS }, (error, stdout) => {
      const n = Number(String(stdout).trim());
      if (error !== null || !Number.isInteger(n)) reject(new ScanError('StorageFailed', `cannot count pages of ${path}`, { cause: error }));
      else resolve(n);
    });
  });
}

/** Writes the pages of every PDF in `pages`, in order, into a new PDF at `target`; returns its page count. */
export async function mergePdfs(pages: readonly SpooledPage[], target: string, info?: PdfInfo): Promise<number> {
  const { PDFDocument } = await loadPdfLib();
  const merged = await PDFDocument.create();
  merged.setProducer(info?.producer ?? 'scan2mqtt');
  if (info?.title !== undefined) merged.setTitle(info.title);
  if (info?.author !== undefined) merged.setAuthor(info.author);
  if (info?.subject !== undefined) merged.setSubject(info.subject);
  if (info?.keywords !== undefined) merged.setKeywords([info.keywords]);
  if (info?.creator !== undefined) merged.setCreator(info.creator);
  for (const page of pages) {
    let source: PDFDocument;
    try {
      source = await PDFDocument.load(await readFile(page.path), { ignoreEncryption: false });
    } catch (error) {
      throw new ScanError('ProtocolError', `page ${page.index}: unreadable PDF from the device: ${(error as Error).message}`, { cause: error });
    }
    const copied = await merged.copyPages(source, source.getPageIndices());
    for (const p of copied) merged.addPage(p);
  }
  await writeFile(target, await merged.save(), { flag: 'wx' });
  return merged.getPageCount();
}

/**
 * Counts the pages of a device PDF stored as is; undefined when it cannot be read (the file is
 * kept anyway). qpdf reads only the structure; pdf-lib, the fallback, loads the whole file.
 */
export async function countPdfPages(path: string, toolPath?: string): Promise<number | undefined> {
  const qpdf = await findOnPath('qpdf', toolPath);
  if (qpdf !== undefined) return countPagesWithQpdf(qpdf, path).catch(() => undefined);
  try {
    const { PDFDocument } = await loadPdfLib();
    const doc = await PDFDocument.load(await readFile(path), { ignoreEncryption: true, updateMetadata: false });
    return doc.getPageCount();
  } catch {
    return undefined;
  }
}
