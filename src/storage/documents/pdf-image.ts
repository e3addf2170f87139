/** Turns one spooled page into an image a PDF can embed: JPEGs as they are, others via sharp. */
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createDeflate } from 'node:zlib';
import { join } from 'node:path';
import { loadSharp } from '../../imaging/sharp-loader.js';
import type { ColorMode } from '../../core/capabilities.js';
import { ScanError } from '../../core/errors.js';
import type { SpooledPage } from '../spooled-page.js';
import { readFileHead } from './file-head.js';
import { isPdfEmbeddable, JPEG_HEADER_SCAN_LIMIT, parseJpegHeader } from './jpeg-header.js';
import type { PdfImage } from './pdf-writer.js';
import { sharpReadablePath } from './sharp-input.js';

/** JPEG quality for pages re-encoded into a PDF; scans of text stay crisp at 85 and above. */
export const PDF_JPEG_QUALITY = 88;
/** Grey level (0..255) at and above which a pixel becomes white in black-and-white pages. */
export const BW_THRESHOLD = 128;
/** Read size when copying a JPEG into the PDF: one positional write per read, so not 64 KiB ones. */
const JPEG_COPY_CHUNK_BYTES = 1024 * 1024;
/** Adobe CMYK JPEGs store inverted ink values (PDF Reference, DCTDecode implementation notes). */
const INVERTED_CMYK_DECODE = [1, 0, 1, 0, 1, 0, 1, 0] as const;

/** The embeddable image for a page; `workDir` receives any intermediate file. */
export async function pdfImageForPage(page: SpooledPage, colorMode: ColorMode, workDir: string): Promise<PdfImage> {
  if (page.type === 'jpeg') {
    const header = parseJpegHeader(await readFileHead(page.path, JPEG_HEADER_SCAN_LIMIT));
    if (isPdfEmbeddable(header)) return jpegImage(page.path, page.bytes, header.width, header.height, header.components, header.adobe);
  }
  const input = await sharpReadablePath(page, workDir);
  return colorMode === 'bw' ? bitonalImage(input) : reencodedJpegImage(input, colorMode, join(workDir, `page-${page.index}.pdf.jpg`));
}

/** A JPEG file embedded byte for byte with /DCTDecode. */
function jpegImage(path: string, bytes: number, width: number, height: number, components: 1 | 3 | 4, adobe: boolean): PdfImage {
  const colorSpace = components === 1 ? 'DeviceGray' : components === 3 ? 'DeviceRGB' : 'DeviceCMYK';
  const decode = components === 4 && adobe ? INVERTED_CMYK_DECODE : undefined;
  return { width, height, colorSpace, bitsPerComponent: 8, filter: 'DCTDecode', decode, data: createReadStream(path, { highWaterMark: JPEG_COPY_CHUNK_BYTES }), length: bytes };
}

/** Converts a page to JPEG (grey when asked or when the page is grey already) and embeds that. */
async function reencodedJpegImage(input: string, colorMode: ColorMode, target: string): Promise<PdfImage> {
  const sharp = await loadSharp();
  const meta = await sharp(input).metadata();
  let image = sharp(input).flatten({ background: '#ffffff' });
  if (colorMode === 'gray' || meta.channels === 1 || meta.space === 'b-w') image = image.toColourspace('b-w');
  const info = await image.jpeg({ quality: PDF_JPEG_QUALITY }).toFile(target);
  const header = parseJpegHeader(await readFileHead(target, JPEG_HEADER_SCAN_LIMIT));
  return jpegImage(target, info.size, header.width, header.height, header.components, header.adobe);
}

/** A 1-bit Flate-compressed image: sharp thresholds to grey 0/255, rows are packed here (1 = white in DeviceGray). */
async function bitonalImage(input: string): Promise<PdfImage> {
  const sharp = await loadSharp();
  const meta = await sharp(input).metadata();
  const { width, height } = meta;
  if (width === undefined || height === undefined) throw new ScanError('ProtocolError', 'page has no readable size');
  const raw = sharp(input).flatten({ background: '#ffffff' }).toColourspace('b-w').threshold(BW_THRESHOLD).raw();
  const deflated = pipeline(Readable.from(packRows(raw, width)), createDeflate(), () => undefined);
  return { width, height, colorSpace: 'DeviceGray', bitsPerComponent: 1, filter: 'FlateDecode', data: deflated };
}

/** Packs rows of 8-bit 0/255 samples into rows of bits, each row padded to a whole byte (§8.9.3). */
export async function* packRows(samples: AsyncIterable<Buffer>, width: number): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of samples) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let offset = 0;
    while (pending.length - offset >= width) {
      yield packRow(pending.subarray(offset, offset + width));
      offset += width;
    }
    pending = pending.subarray(offset);
  }
  if (pending.length !== 0) throw new ScanError('Internal', 'raw image ended inside a row');
}

/** One row of samples (non-zero = white) as bits. */
export function packRow(row: Uint8Array): Buffer {
  const packed = Buffer.alloc(Math.ceil(row.length / 8));
  for (let x = 0; x < row.length; x++) if (row[x]) packed[x >> 3] = (packed[x >> 3] ?? 0) | (0x80 >> (x & 7));
  return packed;
}
