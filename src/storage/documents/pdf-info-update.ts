/**
 * Sets the document information of an existing PDF by appending an incremental update
 * (ISO 32000-1 §7.5.6): a new Info object, a one-entry xref section and a trailer pointing
 * back with /Prev. The file is never read whole: only its tail, for the old trailer.
 */
import { open } from 'node:fs/promises';
import { ScanError } from '../../core/errors.js';
import { pdfDate, pdfTextString, type PdfInfo } from './pdf-writer.js';

/** Bytes read from the end to find the last trailer; trailers are a few hundred bytes. */
const TAIL_BYTES = 4096;

/** What the last trailer says. */
export interface PdfTrailer {
  size: number;
  root: string;
  startxref: number;
  id?: string;
}

/** Parses the classic trailer (`trailer << ... >> startxref N %%EOF`) at the end of `tail`. */
export function parseTrailer(tail: string): PdfTrailer {
  const at = tail.lastIndexOf('trailer');
  const startxref = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
  if (at < 0 || startxref === null) throw new ScanError('StorageFailed', 'PDF has no classic trailer to update');
  const dict = tail.slice(at);
  const size = /\/Size\s+(\d+)/.exec(dict);
  const root = /\/Root\s+(\d+\s+\d+\s+R)/.exec(dict);
  if (size === null || root === null) throw new ScanError('StorageFailed', 'PDF trailer lacks /Size or /Root');
  const id = /\/ID\s*(\[\s*<[0-9A-Fa-f]*>\s*<[0-9A-Fa-f]*>\s*\])/.exec(dict)?.[1];
  return { size: Number(size[1]), root: root[1]!, startxref: Number(startxref[1]), ...(id !== undefined ? { id } : {}) };
}

/** The Info dictionary text for `info`. */
export function infoDictionary(info: PdfInfo): string {
  const date = pdfDate(info.createdAt);
  const entries: Array<[string, string | undefined]> = [
    ['Producer', info.producer],
    ['Title', info.title],
    ['Author', info.author],
    ['Subject', info.subject],
    ['Keywords', info.keywords],
    ['Creator', info.creator],
  ];
  const text = entries.map(([key, value]) => (value ? ` /${key} ${pdfTextString(value)}` : '')).join('');
  return `<<${text} /CreationDate (${date}) /ModDate (${date}) >>`;
}

/** Appends an update that makes `info` the document information of the PDF at `path`. */
export async function updatePdfInfo(path: string, info: PdfInfo): Promise<void> {
  const file = await open(path, 'r+');
  try {
    const { size: fileSize } = await file.stat();
    const length = Math.min(TAIL_BYTES, fileSize);
    const tail = Buffer.alloc(length);
    await file.read(tail, 0, length, fileSize - length);
    const trailer = parseTrailer(tail.toString('latin1'));
    const num = trailer.size;
    const objectOffset = fileSize;
    const object = `\n${num} 0 obj\n${infoDictionary(info)}\nendobj\n`;
    const xrefOffset = objectOffset + Buffer.byteLength(object, 'latin1');
    // The object starts after the leading newline.
    const entry = `${String(objectOffset + 1).padStart(10, '0')} 00000 n\r\n`;
    const update = `${object}xref\n${num} 1\n${entry}trailer\n<< /Size ${num + 1} /Root ${trailer.root} /Info ${num} 0 R /Prev ${trailer.startxref}${trailer.id ? ` /ID ${trailer.id}` : ''} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
    await file.write(Buffer.from(update, 'latin1'), 0, Buffer.byteLength(update, 'latin1'), fileSize);
    await file.sync();
  } finally {
    await file.close();
  }
}
