/**
 * A job's PDF written while its pages arrive: a JPEG page PDF can embed as it is goes straight
 * from the device stream into the page's image stream (its /Length an indirect object written
 * after the data), so each byte is written once, instead of to a spool file first and then copied.
 * Other pages (PNG, broken or exotic JPEGs) are spooled as before and embedded, in their place in
 * the page order, when the job finishes; a device PDF page makes the job take the spooled path.
 */
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ColorMode } from '../core/capabilities.js';
import { ScanError } from '../core/errors.js';
import type { ScannedPage } from '../core/scanner.js';
import { pointsFromPixels } from './documents/assemble-pdf.js';
import { isPdfEmbeddable, JPEG_HEADER_SCAN_LIMIT, parseJpegHeader, type JpegHeader } from './documents/jpeg-header.js';
import { pdfImageForPage } from './documents/pdf-image.js';
import { createPdfWriter, type PdfInfo, type PdfSummary, type PdfWriter } from './documents/pdf-writer.js';
import type { SpooledPage } from './spooled-page.js';
import { storageFailure } from './storage-errors.js';

/** Name of the live PDF in the job's spool folder. */
export const LIVE_PDF_NAME = 'document.pdf';

/** What the live PDF needs to know about the job. */
export interface LivePdfOptions {
  workDir: string;
  info: PdfInfo;
  colorMode: ColorMode;
  /** Resolution for pages whose own is unknown (the job's). */
  fallbackResolution: number;
  maxPageBytes: number;
}

/** A page the live PDF did not take: its stream, head included, to be spooled instead. */
export interface DeclinedPage {
  page: ScannedPage;
}

/** Adobe CMYK JPEGs store inverted ink values (as pdf-image.ts embeds them). */
const CMYK_INVERTED = [1, 0, 1, 0, 1, 0, 1, 0] as const;

/** Reads the first chunks of a stream until a JPEG frame header parses, the stream ends or the scan limit is passed. */
async function readJpegHead(chunks: AsyncIterator<Buffer>): Promise<{ head: Buffer; header?: JpegHeader; ended: boolean }> {
  let head: Buffer = Buffer.alloc(0);
  for (;;) {
    const next = await chunks.next();
    if (next.done) return { head, ended: true };
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
    // Not a JPEG (a device PDF, PNG...): nothing more to learn from the head.
    if (head.length >= 3 && !(head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff)) return { head, ended: false };
    try {
      return { head, header: parseJpegHeader(head), ended: false };
    } catch {
      if (head.length >= JPEG_HEADER_SCAN_LIMIT) return { head, ended: false };
    }
  }
}

/** The stream of `head` followed by the rest of `chunks`. */
async function* replay(head: Buffer, chunks: AsyncIterator<Buffer>, ended: boolean): AsyncGenerator<Buffer> {
  if (head.length > 0) yield head;
  if (ended) return;
  for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
}

/** The job's PDF, begun at the first page it can take. */
export class LivePdf {
  private writer: Promise<PdfWriter> | undefined;
  private streamed = 0;

  constructor(private readonly options: LivePdfOptions) {}

  /** Path of the PDF being written. */
  get path(): string {
    return join(this.options.workDir, LIVE_PDF_NAME);
  }

  /** True once a page went into the PDF. */
  get started(): boolean {
    return this.streamed > 0;
  }

  /**
   * Streams `page` into the PDF when it is a JPEG PDF can embed (and no device PDF came before);
   * otherwise hands it back, stream intact, to be spooled. `spooledPdfBefore`: a device PDF page was spooled already.
   */
  async take(page: ScannedPage, spooledPdfBefore: boolean, onProgress?: (bytes: number) => void): Promise<SpooledPage | DeclinedPage> {
    const chunks = (page.data as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    let read: Awaited<ReturnType<typeof readJpegHead>>;
    try {
      read = await readJpegHead(chunks);
    } catch (error) {
      // The device stream failed in the head: the spool path reports it as it reports any page stream failure.
      return { page: { ...page, data: readableOf(failing(error)) } };
    }
    const { head, header, ended } = read;
    if (header === undefined || !isPdfEmbeddable(header) || spooledPdfBefore || ended) {
      return { page: { ...page, data: readableOf(replay(head, chunks, ended)) } };
    }
    return this.stream(page, header, head, chunks, onProgress);
  }

  private async stream(page: ScannedPage, header: JpegHeader, head: Buffer, chunks: AsyncIterator<Buffer>, onProgress?: (bytes: number) => void): Promise<SpooledPage> {
    const { maxPageBytes } = this.options;
    let bytes = 0;
    const metered = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of replay(head, chunks, false)) {
        bytes += chunk.length;
        if (bytes > maxPageBytes) throw new ScanError('StorageFailed', `page exceeds the ${maxPageBytes}-byte limit`);
        onProgress?.(bytes);
        yield chunk;
      }
    };
    const dpi = this.dpiOf(page);
    const colorSpace = header.components === 1 ? 'DeviceGray' : header.components === 3 ? 'DeviceRGB' : 'DeviceCMYK';
    const decode = header.components === 4 && header.adobe ? CMYK_INVERTED : undefined;
    try {
      const writer = await this.open();
      await writer.addImagePage(
        { width: header.width, height: header.height, colorSpace, bitsPerComponent: 8, filter: 'DCTDecode', ...(decode ? { decode } : {}), data: metered() },
        { widthPt: pointsFromPixels(header.width, dpi), heightPt: pointsFromPixels(header.height, dpi) },
        page.index,
      );
    } catch (error) {
      const deviceFault = !page.data.readableEnded && (page.data.errored || page.data.destroyed);
      // Whatever failed, the device stream is not read any further.
      page.data.destroy();
      if (error instanceof ScanError) throw error;
      if (deviceFault) throw new ScanError('DeviceError', `page ${page.index} stream failed: ${(error as Error).message}`, { cause: error });
      throw storageFailure(error, `PDF ${this.path}`);
    }
    this.streamed++;
    return { index: page.index, path: this.path, type: 'jpeg', bytes, resolution: page.resolution, widthPx: header.width, heightPx: header.height };
  }

  private dpiOf(page: { index: number; resolution?: number }): number {
    const dpi = page.resolution ?? this.options.fallbackResolution;
    if (!(dpi > 0)) throw new ScanError('InvalidRequest', `page ${page.index} has no usable resolution`);
    return dpi;
  }

  private open(): Promise<PdfWriter> {
    this.writer ??= createPdfWriter(this.path, this.options.info);
    return this.writer;
  }

  /** Embeds the spooled pages in their places, writes the trailer and fsyncs the file. */
  async finish(spooled: readonly SpooledPage[]): Promise<PdfSummary> {
    const writer = await this.open();
    for (const page of spooled) {
      const dpi = this.dpiOf(page);
      const image = await pdfImageForPage(page, this.options.colorMode, this.options.workDir);
      await writer.addImagePage(image, { widthPt: pointsFromPixels(image.width, dpi), heightPt: pointsFromPixels(image.height, dpi) }, page.index);
    }
    return writer.close();
  }

  /** Closes and removes the unfinished file. */
  async discard(): Promise<void> {
    if (this.writer === undefined) return;
    const writer = await this.writer.catch(() => undefined);
    await writer?.discard();
  }
}

/** A stream of chunks; a failure of the generator fails the stream (the spool path tells device faults by that). */
function readableOf(chunks: AsyncGenerator<Buffer>): Readable {
  return Readable.from(chunks, { objectMode: false });
}

/** A stream that fails at once with the device stream's error. */
function failing(error: unknown): AsyncGenerator<Buffer> {
  return (async function* (): AsyncGenerator<Buffer> {
    yield* [];
    throw error;
  })();
}
