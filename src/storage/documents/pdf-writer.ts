/**
 * A streaming PDF 1.4 writer for image-only documents: each page is appended to the file as
 * it comes, so a 100-page batch never sits in memory (ISO 32000-1 §7.5: body, xref, trailer).
 */
import { open, rm, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { ScanError } from '../../core/errors.js';
import { BackgroundSync } from '../background-sync.js';

/** One encoded image, ready to embed as an image XObject (ISO 32000-1 §8.9.5). */
export interface PdfImage {
  width: number;
  height: number;
  colorSpace: 'DeviceGray' | 'DeviceRGB' | 'DeviceCMYK';
  bitsPerComponent: 1 | 8;
  filter: 'DCTDecode' | 'FlateDecode';
  /** Decode array, e.g. inverted CMYK of Adobe JPEGs. */
  decode?: readonly number[];
  /** The encoded bytes, streamed. */
  data: AsyncIterable<Uint8Array>;
  /** Byte length when known up front; otherwise it is written as an object after the stream. */
  length?: number;
}

/** Page size in PDF points (1/72 inch). */
export interface PdfPageSize {
  widthPt: number;
  heightPt: number;
}

/** What a finished PDF holds. */
export interface PdfSummary {
  bytes: number;
  pages: number;
}

/** Appends image pages to a PDF file, one at a time. */
export interface PdfWriter {
  /**
   * Writes one page showing `image` over the whole page; when it fails (e.g. its data stream
   * errors) the file is cut back to where the page began, so the pages before it stay a valid PDF.
   * Pages appear in the order of `order` (default: the order they were added).
   */
  addImagePage(image: PdfImage, size: PdfPageSize, order?: number): Promise<void>;
  /** Writes the page tree, catalog, xref and trailer, and closes the file. */
  close(): Promise<PdfSummary>;
  /** Closes and deletes the unfinished file. */
  discard(): Promise<void>;
}

const CATALOG = 1;
const PAGES = 2;
const INFO = 3;
const FIRST_FREE_OBJECT = 4;
/** The binary comment after the header tells transfer tools the file is binary (§7.5.2). */
const PDF_HEADER = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
/** Image data is gathered into writes of this size: devices send small chunks, each would be its own write(2). */
const IMAGE_WRITE_BYTES = 1024 * 1024;

/** A PDF number with at most two decimals and no exponent. */
export function pdfNumber(value: number): string {
  return Number(value.toFixed(2)).toString();
}

/** A PDF date string (§7.9.4) in UTC. */
export function pdfDate(date: Date): string {
  const iso = date.toISOString(); // 2024-05-01T12:34:56.789Z
  return `D:${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** Document information dictionary entries (§14.3.3). */
export interface PdfInfo {
  producer: string;
  createdAt: Date;
  title?: string;
  author?: string;
  subject?: string;
  keywords?: string;
  creator?: string;
}

/** Longest info string written: titles are short, and the trailer should stay small. */
const MAX_INFO_CHARS = 1000;

/** A PDF text string (§7.9.2.2): literal for printable ASCII, else UTF-16BE with BOM as hex. */
export function pdfTextString(value: string): string {
  const text = value.slice(0, MAX_INFO_CHARS);
  if (/^[\x20-\x7e]*$/.test(text)) return `(${text.replace(/[()\\]/g, (c) => `\\${c}`)})`;
  const utf16 = Buffer.from(text, 'utf16le').swap16();
  return `<FEFF${utf16.toString('hex').toUpperCase()}>`;
}

/** Opens `path` (which must not exist) and writes the PDF header. */
export async function createPdfWriter(path: string, info: PdfInfo): Promise<PdfWriter> {
  const file = await open(path, 'wx');
  const writer = new StreamingPdfWriter(path, file, info);
  await writer.writeRaw(Buffer.from(PDF_HEADER, 'latin1'));
  return writer;
}

class StreamingPdfWriter implements PdfWriter {
  private position = 0;
  private readonly offsets: number[] = [];
  private readonly pageObjects: { order: number; num: number }[] = [];
  private nextObject = FIRST_FREE_OBJECT;
  /** Image data is flushed to disk while pages come, so close() has little left to fsync. */
  private readonly sync: BackgroundSync;

  constructor(
    private readonly path: string,
    private readonly file: FileHandle,
    private readonly info: PdfInfo,
  ) {
    this.sync = new BackgroundSync(file);
  }

  async writeRaw(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.file.write(bytes, done, bytes.length - done, this.position + done);
      done += bytesWritten;
    }
    this.position += bytes.length;
  }

  /** Writes chunks with one writev (no joining copy); a short write finishes one write at a time. */
  private async writeRawChunks(chunks: Uint8Array[]): Promise<void> {
    if (chunks.length === 1) return this.writeRaw(chunks[0] as Uint8Array);
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const { bytesWritten } = await this.file.writev(chunks, this.position);
    this.position += bytesWritten;
    if (bytesWritten < total) await this.writeRaw(Buffer.concat(chunks).subarray(bytesWritten));
  }

  private text(s: string): Promise<void> {
    return this.writeRaw(Buffer.from(s, 'latin1'));
  }

  private async object(num: number, body: string): Promise<void> {
    this.offsets[num] = this.position;
    await this.text(`${num} 0 obj\n${body}\nendobj\n`);
  }

  async addImagePage(image: PdfImage, size: PdfPageSize, order = this.pageObjects.length): Promise<void> {
    const start = { position: this.position, nextObject: this.nextObject };
    try {
      await this.writeImagePage(image, size, order);
    } catch (error) {
      // The objects of this page are forgotten and its bytes cut off: what is left is the pages before it.
      this.offsets.length = Math.min(this.offsets.length, start.nextObject);
      this.nextObject = start.nextObject;
      this.position = start.position;
      await this.sync.idle();
      await this.file.truncate(start.position);
      throw error;
    }
  }

  private async writeImagePage(image: PdfImage, size: PdfPageSize, order: number): Promise<void> {
    const imageNum = this.nextObject++;
    const lengthNum = image.length === undefined ? this.nextObject++ : undefined;
    const contentNum = this.nextObject++;
    const pageNum = this.nextObject++;
    const length = await this.imageObject(imageNum, image, lengthNum);
    if (lengthNum !== undefined) await this.object(lengthNum, String(length));
    const w = pdfNumber(size.widthPt);
    const h = pdfNumber(size.heightPt);
    const content = `q\n${w} 0 0 ${h} 0 0 cm\n/Im0 Do\nQ\n`;
    await this.object(contentNum, `<< /Length ${content.length} >>\nstream\n${content}endstream`);
    const resources = `<< /XObject << /Im0 ${imageNum} 0 R >> /ProcSet [/PDF /ImageB /ImageC] >>`;
    await this.object(pageNum, `<< /Type /Page /Parent ${PAGES} 0 R /MediaBox [0 0 ${w} ${h}] /Resources ${resources} /Contents ${contentNum} 0 R >>`);
    this.pageObjects.push({ order, num: pageNum });
  }

  /** Writes the image XObject with its stream; returns the stream's byte length. */
  private async imageObject(num: number, image: PdfImage, lengthNum: number | undefined): Promise<number> {
    const decode = image.decode ? ` /Decode [${image.decode.join(' ')}]` : '';
    const lengthRef = lengthNum === undefined ? String(image.length) : `${lengthNum} 0 R`;
    this.offsets[num] = this.position;
    await this.text(
      `${num} 0 obj\n<< /Type /XObject /Subtype /Image /Width ${image.width} /Height ${image.height} ` +
        `/ColorSpace /${image.colorSpace} /BitsPerComponent ${image.bitsPerComponent}${decode} ` +
        `/Filter /${image.filter} /Length ${lengthRef} >>\nstream\n`,
    );
    const start = this.position;
    await this.writeGathered(image.data);
    const written = this.position - start;
    if (image.length !== undefined && written !== image.length) {
      throw new ScanError('StorageFailed', `image stream was ${written} bytes, expected ${image.length}`);
    }
    await this.text('\nendstream\nendobj\n');
    return written;
  }

  /**
   * Writes a stream in writes of about IMAGE_WRITE_BYTES (one writev of the chunks gathered), one
   * at a time but while the next one is gathered: a reader that waited for each write stalled its
   * source (a SANE page encoder, and behind it saned, which spins on a full socket) for every megabyte.
   */
  private async writeGathered(data: AsyncIterable<Uint8Array>): Promise<void> {
    let batch: Uint8Array[] = [];
    let batched = 0;
    let writing: Promise<void> = Promise.resolve();
    const startWrite = async (chunks: Uint8Array[]) => {
      await writing;
      this.sync.wrote(this.position);
      writing = this.writeRawChunks(chunks);
      writing.catch(() => undefined); // awaited before the next write and at the end
    };
    const flush = async () => {
      if (batched === 0) return;
      const chunks = batch;
      batch = [];
      batched = 0;
      await startWrite(chunks);
    };
    try {
      for await (const chunk of data) {
        if (chunk.length >= IMAGE_WRITE_BYTES) {
          await flush();
          await startWrite([chunk]);
          continue;
        }
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= IMAGE_WRITE_BYTES) await flush();
      }
      await flush();
    } finally {
      // Nothing may still be writing when the caller truncates the file or writes what follows.
      await writing.catch(() => undefined);
    }
    await writing;
  }

  async close(): Promise<PdfSummary> {
    if (this.pageObjects.length === 0) throw new ScanError('Internal', 'a PDF needs at least one page');
    const kids = [...this.pageObjects].sort((a, b) => a.order - b.order).map((p) => `${p.num} 0 R`).join(' ');
    await this.object(PAGES, `<< /Type /Pages /Kids [${kids}] /Count ${this.pageObjects.length} >>`);
    await this.object(CATALOG, `<< /Type /Catalog /Pages ${PAGES} 0 R >>`);
    const date = pdfDate(this.info.createdAt);
    const entries: Array<[string, string | undefined]> = [
      ['Title', this.info.title],
      ['Author', this.info.author],
      ['Subject', this.info.subject],
      ['Keywords', this.info.keywords],
      ['Creator', this.info.creator],
    ];
    const optional = entries.map(([key, value]) => (value ? ` /${key} ${pdfTextString(value)}` : '')).join('');
    await this.object(INFO, `<< /Producer ${pdfTextString(this.info.producer)}${optional} /CreationDate (${date}) /ModDate (${date}) >>`);
    await this.writeTrailer();
    await this.sync.settle();
    await this.file.sync();
    await this.file.close();
    return { bytes: this.position, pages: this.pageObjects.length };
  }

  /** Cross-reference table: one 20-byte entry per object, in number order (§7.5.4). */
  private async writeTrailer(): Promise<void> {
    const xrefOffset = this.position;
    const size = this.nextObject;
    const entries = ['0000000000 65535 f\r\n'];
    for (let num = 1; num < size; num++) {
      const offset = this.offsets[num];
      if (offset === undefined) throw new ScanError('Internal', `PDF object ${num} was never written`);
      entries.push(`${String(offset).padStart(10, '0')} 00000 n\r\n`);
    }
    const id = randomBytes(16).toString('hex');
    await this.text(`xref\n0 ${size}\n${entries.join('')}`);
    await this.text(`trailer\n<< /Size ${size} /Root ${CATALOG} 0 R /Info ${INFO} 0 R /ID [<${id}> <${id}>] >>\nstartxref\n${xrefOffset}\n%%EOF\n`);
  }

  async discard(): Promise<void> {
    await this.sync.idle();
    await this.file.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }
}
