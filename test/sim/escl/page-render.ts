/**
 * Produces the bytes of one simulated page at the requested pixel size,
 * colour mode and format. JPEG and PNG come out of a libvips pipeline as a
 * stream (the full-size page is never held as raw pixels); PDF wraps a JPEG
 * in a one-page document sized by the scan resolution.
 */
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { PDFDocument } from 'pdf-lib';
import { drawPattern, patternSize } from './page-pattern.js';

/** What content the simulated originals carry. */
export type SimImageKind = 'pattern' | 'blank';

/** One page to render. */
export interface PageRenderRequest {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly xResolution: number;
  readonly yResolution: number;
  readonly colorMode: string;
  readonly documentFormat: string;
  readonly pageNumber: number;
  readonly imageKind: SimImageKind;
}

/** JPEG quality a typical device uses for "normal" compression. */
export const SIM_JPEG_QUALITY = 85;
/** PDF points per inch. */
const POINTS_PER_INCH = 72;
/** Mean and spread of the paper-white noise of a blank page. */
const BLANK_PAPER = { mean: 246, sigma: 2.5 } as const;

/** Renders a page and returns its bytes as a stream. */
export async function renderPage(request: PageRenderRequest): Promise<Readable> {
  if (request.documentFormat === 'application/pdf') return Readable.from([await renderPdf(request)]);
  return encodeImage(request, request.documentFormat === 'image/png' ? 'png' : 'jpeg');
}

function drawnPage(request: PageRenderRequest): sharp.Sharp {
  const { widthPx, heightPx } = request;
  // libvips limits pixels by default; our own MAX_PAGE_PIXELS already bounds the size.
  if (request.imageKind === 'blank') {
    return sharp({
      create: { width: widthPx, height: heightPx, channels: 3, background: '#ffffff', noise: { type: 'gaussian', ...BLANK_PAPER } },
      limitInputPixels: false,
    });
  }
  const art = patternSize(widthPx, heightPx);
  const pixels = drawPattern(art.width, art.height, request.pageNumber);
  const image = sharp(pixels.data, { raw: { width: art.width, height: art.height, channels: 3 }, limitInputPixels: false });
  if (art.width === widthPx && art.height === heightPx) return image;
  return image.resize(widthPx, heightPx, { fit: 'fill', kernel: 'cubic' });
}

function encodeImage(request: PageRenderRequest, format: 'jpeg' | 'png'): sharp.Sharp {
  // No withMetadata(density): sharp then attaches an sRGB profile and forces 3 channels even for grey pages.
  let image = drawnPage(request);
  switch (request.colorMode) {
    case 'BlackAndWhite1':
      image = image.toColourspace('b-w').threshold(128);
      break;
    case 'Grayscale8':
      image = image.toColourspace('b-w');
      break;
    case 'Grayscale16':
      image = image.toColourspace(format === 'png' ? 'grey16' : 'b-w');
      break;
    case 'RGB48':
      image = image.toColourspace(format === 'png' ? 'rgb16' : 'srgb');
      break;
    default:
      image = image.toColourspace('srgb');
  }
  if (format === 'jpeg') return image.jpeg({ quality: SIM_JPEG_QUALITY });
  const bilevel = request.colorMode === 'BlackAndWhite1';
  return image.png(bilevel ? { palette: true, colours: 2, compressionLevel: 6 } : { compressionLevel: 6 });
}

async function renderPdf(request: PageRenderRequest): Promise<Buffer> {
  const jpeg = await encodeImage({ ...request, documentFormat: 'image/jpeg' }, 'jpeg').toBuffer();
  const pdf = await PDFDocument.create();
  pdf.setProducer('scan2mqtt eSCL simulator');
  const embedded = await pdf.embedJpg(jpeg);
  const widthPt = (request.widthPx / request.xResolution) * POINTS_PER_INCH;
  const heightPt = (request.heightPx / request.yResolution) * POINTS_PER_INCH;
  const page = pdf.addPage([widthPt, heightPt]);
  page.drawImage(embedded, { x: 0, y: 0, width: widthPt, height: heightPt });
  return Buffer.from(await pdf.save());
}

/** Side of the device icon advertised as `representation`, in pixels. */
export const ICON_SIZE_PX = 64;

/** A small PNG device icon, drawn like a page. */
export function renderIcon(): Promise<Buffer> {
  const art = drawPattern(ICON_SIZE_PX, ICON_SIZE_PX, 1);
  return sharp(art.data, { raw: { width: art.width, height: art.height, channels: 3 } }).png().toBuffer();
}
