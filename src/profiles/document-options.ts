/** Turns a profile's document options (config, snake_case) into the storage side's per-job DocumentOptions. Pure. */
import type { DocumentOptions } from '../storage/document-options.js';
import type { ProfileDocumentOptions } from './profile.js';

/** What a PDF title template may refer to. */
export interface TitleContext {
  scanner: string;
  job: string;
  profile?: string;
  createdAt: Date;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Fills `{scanner} {date} {time} {job} {profile}` (local time, as the filename template does); unknown placeholders stay as written. */
export function renderTitle(template: string, ctx: TitleContext): string {
  const d = ctx.createdAt;
  const values: Record<string, string> = {
    scanner: ctx.scanner,
    job: ctx.job,
    profile: ctx.profile ?? '',
    date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`,
  };
  return template.replace(/\{([a-z]+)\}/g, (match, name: string) => values[name] ?? match);
}

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
