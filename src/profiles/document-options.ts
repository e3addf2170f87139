/** Turns a profile's document options (config, snake_case) into the storage side's per-job DocumentOptions. Pure. */
import type { DocumentOptions } from '../storage/document-options.js';
import type { ProfileDocumentOptions } from './profile.js';
import { renderTitle, type TitleContext } from '../storage/title-template.js';

export { renderTitle, type TitleContext } from '../storage/title-template.js';


/** The storage options for one job; undefined when the profile asks for nothing special. */
export function toDocumentOptions(options: ProfileDocumentOptions, ctx: TitleContext): DocumentOptions | undefined {
  const out: DocumentOptions = {};
  if (options.duplex_order !== undefined) out.duplexOrder = options.duplex_order;
  if (options.blank_page_threshold !== undefined) out.blankPages = { threshold: options.blank_page_threshold };
  if (options.pdf_title !== undefined) out.metadata = { title: renderTitle(options.pdf_title, ctx) };
  if (options.ocr_language !== undefined) out.ocr = { language: options.ocr_language };
  if (options.multipage_tiff !== undefined) out.multipageTiff = options.multipage_tiff;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The document options of each job stored with a profile's output (its PDF title may name the scanner and job). */
export function jobDocumentOptions(output: { profile?: string; document: ProfileDocumentOptions }): (job: { id: string; scannerName: string; createdAt: Date }) => DocumentOptions | undefined {
  return (job) => toDocumentOptions(output.document, { scanner: job.scannerName, job: job.id, createdAt: job.createdAt, ...(output.profile ? { profile: output.profile } : {}) });
}
