/**
 * One scanned page → the document an eSCL client asked for (JPEG, PNG or a one-page PDF).
 * Pages arrive as the device (or the SANE encoder) made them; a PDF wraps the page's own
 * compressed image data unchanged (PNG's zlib stream with its row predictors, or JPEG as
 * DCT), so a PDF page holds exactly the pixels scanned.
 */
import { loadSharp } from '../imaging/sharp-loader.js';
import { sniffPageType } from '../core/page-format.js';
import { ScanError } from '../core/errors.js';

/** What a converted page is. */
export interface PageDocument {
  bytes: Buffer;
  mime: string;
  widthPx: number;
  heightPx: number;
  /** Bytes per row of the decoded image (ScanImageInfo ActualBytesPerLine). */
  bytesPerLine: number;
}

/** Converts `page` (JPEG, PNG, PDF…) into `mime`; `dpi` sizes a PDF page. */
export async function pageDocument(page: Buffer, mime: string, dpi: number): Promise<PageDocument> {
  const type = sniffPageType(page.subarray(0, 8));
  if (type === undefined) throw new ScanError('ProtocolError', 'the scanner sent a page of unknown type');
  if (type === 'pdf') {
    if (mime !== 'application/pdf') throw new ScanError('Unsupported', 'the scanner sent a PDF; only PDF can be served');
    return { bytes: page, mime, widthPx: 0, heightPx: 0, bytesPerLine: 0 };
  }
  const sharp = await loadSharp();
  let image = page;
  if (type !== 'png' && type !== 'jpeg') image = await sharp(page).png().toBuffer();
  const meta = await sharp(image).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const channels = meta.channels ?? 3;
  const bitsPerSample = meta.depth === 'ushort' ? 16 : 8;
  const bytesPerLine = Math.ceil((width * channels * bitsPerSample) / 8);
  const shape = { widthPx: width, heightPx: height, bytesPerLine, mime };
  if (mime === 'image/png') return { ...shape, bytes: sniffPageType(image) === 'png' ? image : await sharp(image).png().toBuffer() };
  if (mime === 'image/jpeg') return { ...shape, bytes: sniffPageType(image) === 'jpeg' ? image : await sharp(image).jpeg({ quality: JPEG_QUALITY }).toBuffer() };
  return { ...shape, bytes: await onePagePdf(image, dpi) };
}

/** JPEG quality when a lossless page must become JPEG; the gateway's own page quality. */
export const JPEG_QUALITY = 90;

/** A PDF of one page showing `image` (PNG or JPEG) at `dpi`. */
export async function onePagePdf(image: Buffer, dpi: number): Promise<Buffer> {
  let xobject = sniffPageType(image) === 'jpeg' ? jpegXObject(image) : pngXObject(image);
  // PNGs the passthrough cannot carry (palette, alpha, interlaced) are redrawn as plain 8-bit first.
  xobject ??= pngXObject(await (await loadSharp())(image).removeAlpha().toColourspace('srgb').png({ palette: false }).toBuffer());
  if (!xobject) throw new ScanError('Internal', 'could not wrap the page in a PDF');
  return pdfWithImage(xobject, dpi);
}

interface ImageXObject {
  width: number;
  height: number;
  dict: string;
  data: Buffer;
}

const COLOUR_SPACES: Readonly<Record<number, string>> = { 0: '/DeviceGray', 2: '/DeviceRGB' };

function pngXObject(png: Buffer): ImageXObject | undefined {
  if (png.length < 33 || png.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const depth = png[24]!;
  const colourType = png[25]!;
  const interlace = png[28]!;
  const space = COLOUR_SPACES[colourType];
  if (space === undefined || interlace !== 0) return undefined;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const colors = colourType === 2 ? 3 : 1;
  const dict = `/ColorSpace ${space} /BitsPerComponent ${depth} /Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors ${colors} /BitsPerComponent ${depth} /Columns ${width} >>`;
  return { width, height, dict, data: Buffer.concat(idat) };
}

function jpegXObject(jpeg: Buffer): ImageXObject | undefined {
  // Walk the markers to the first start-of-frame (SOF0..SOF15 but DHT, JPG, DAC).
  for (let at = 2; at + 9 < jpeg.length; ) {
    if (jpeg[at] !== 0xff) return undefined;
    const marker = jpeg[at + 1]!;
    const length = jpeg.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = jpeg.readUInt16BE(at + 5);
      const width = jpeg.readUInt16BE(at + 7);
      const components = jpeg[at + 9]!;
      const space = components === 1 ? '/DeviceGray' : components === 4 ? '/DeviceCMYK' : '/DeviceRGB';
      return { width, height, dict: `/ColorSpace ${space} /BitsPerComponent 8 /Filter /DCTDecode`, data: jpeg };
    }
    at += 2 + length;
  }
  return undefined;
}

function pdfWithImage(img: ImageXObject, dpi: number): Buffer {
  const pts = (px: number) => ((px * 72) / (dpi > 0 ? dpi : 72)).toFixed(4).replace(/\.?0+$/, '');
  const w = pts(img.width);
  const h = pts(img.height);
  const content = `q ${w} 0 0 ${h} 0 0 cm /Im0 Do Q\n`;
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let length = 0;
  const push = (chunk: Buffer | string) => {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    parts.push(b);
    length += b.length;
  };
  const object = (n: number, body: string, stream?: Buffer) => {
    offsets[n] = length;
    push(`${n} 0 obj\n${body}\n`);
    if (stream) {
      push('stream\n');
      push(stream);
      push('\nendstream\n');
    }
    push('endobj\n');
  };
  push('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n');
  object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  object(3, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${w} ${h}] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>`);
  object(4, `<< /Type /XObject /Subtype /Image /Width ${img.width} /Height ${img.height} ${img.dict} /Length ${img.data.length} >>`, img.data);
  object(5, `<< /Length ${Buffer.byteLength(content)} >>`, Buffer.from(content, 'latin1'));
  const xref = length;
  push(`xref\n0 6\n0000000000 65535 f \n${offsets.slice(1).map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`);
  push(`trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(parts);
}
