/**
 * File names from a template such as `{scanner}/{date}_{time}_{job}_{page}.{ext}`. Pure.
 * Every substituted value is sanitised; the rendered path is checked to stay relative.
 */
import { ScanError } from '../../core/errors.js';

/**
 * Default template. `{page}` is the number of the first page a file holds, three digits:
 * image formats give one file per page (`_001`, `_002`, ...), a PDF holds the batch and gets `_001`.
 */
export const DEFAULT_FILENAME_TEMPLATE = '{scanner}/{date}_{time}_{job}_{page}.{ext}';

/** The placeholders a template may use. */
export const FILENAME_PLACEHOLDERS = ['scanner', 'date', 'time', 'job', 'page', 'ext'] as const;

/** Values for one file. */
export type FilenameValues = Record<(typeof FILENAME_PLACEHOLDERS)[number], string>;

/** Longest value substituted for one placeholder; keeps names under common 255-byte limits. */
export const MAX_VALUE_LENGTH = 80;

/** Control characters, path separators, NUL and characters SMB/Windows shares refuse. */
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f/\\:*?"<>|]/g;

/** Makes one substituted value safe as (part of) a single path segment. */
export function sanitizeValue(value: string): string {
  const cleaned = value.normalize('NFC').replace(UNSAFE_CHARACTERS, '_').trim().slice(0, MAX_VALUE_LENGTH);
  // A leading dot would hide the file, and `.`/`..` would move up the tree.
  return cleaned.replace(/^\.+/, (dots) => '_'.repeat(dots.length)) || '_';
}

/** `{date}`: local date as YYYY-MM-DD. */
export function formatDate(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** `{time}`: local time as HHMMSS (no colons: they are not allowed on SMB shares). */
export function formatTime(date: Date): string {
  return `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

/** `{page}`: page number with three digits, so names sort in page order. */
export function formatPage(page: number): string {
  return String(page).padStart(3, '0');
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Renders `template` into a relative path ('/'-separated); throws ScanError('InvalidRequest') on a bad template. */
export function renderFilename(template: string, values: FilenameValues): string {
  checkTemplate(template);
  const rendered = template.replace(/\{([^{}]*)\}/g, (_match, name: string) => sanitizeValue(values[name as keyof FilenameValues]));
  checkRelativePath(rendered);
  return rendered;
}

/** Refuses templates with unknown placeholders, control characters, absolute paths or `..`. */
export function checkTemplate(template: string): void {
  const bad = (why: string) => new ScanError('InvalidRequest', `filename template "${template}" ${why}`);
  if (template.trim() === '') throw bad('is empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(template)) throw bad('contains control characters');
  for (const match of template.matchAll(/\{([^{}]*)\}/g)) {
    if (!(FILENAME_PLACEHOLDERS as readonly string[]).includes(match[1] ?? '')) throw bad(`has unknown placeholder {${match[1]}}`);
  }
  if (template.startsWith('/') || template.includes('\\')) throw bad('must be a relative path with / separators');
  if (template.split('/').some((segment) => segment === '..' || segment === '.')) throw bad('must not contain . or .. segments');
}

/** Refuses a rendered path that is absolute, empty, or has empty, `.` or `..` segments. */
export function checkRelativePath(path: string): void {
  const segments = path.split('/');
  if (path.startsWith('/') || path.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new ScanError('InvalidRequest', `file name "${path.replace(/\0/g, '\\0')}" is not a plain relative path`);
  }
}

/** The relative path of one document of a job, from the target's template. */
export function renderDocumentPath(template: string, doc: { firstPage: number; extension: string }, ctx: { scannerId: string; jobId: string; createdAt: Date }): string {
  return renderFilename(template, {
    scanner: ctx.scannerId,
    date: formatDate(ctx.createdAt),
    time: formatTime(ctx.createdAt),
    job: ctx.jobId,
    page: formatPage(doc.firstPage),
    ext: doc.extension,
  });
}
