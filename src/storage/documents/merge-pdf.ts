/** Merges the PDFs a device sent (one per ADF page on some models) into one, with pdf-lib, in memory. */
import { readFile, writeFile } from 'node:fs/promises';
import { PDFDocument } from 'pdf-lib';
import { ScanError } from '../../core/errors.js';
import type { SpooledPage } from '../spooled-page.js';

/** Writes the pages of every PDF in `pages`, in order, into a new PDF at `target`; returns its page count. */
export async function mergePdfs(pages: readonly SpooledPage[], target: string): Promise<number> {
  const merged = await PDFDocument.create();
  merged.setProducer('scan2mqtt');
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

/** Counts the pages of a device PDF stored as is; undefined when pdf-lib cannot read it (the file is kept anyway). */
export async function countPdfPages(path: string): Promise<number | undefined> {
  try {
    const doc = await PDFDocument.load(await readFile(path), { ignoreEncryption: true, updateMetadata: false });
    return doc.getPageCount();
  } catch {
    return undefined;
  }
}
