/**
 * JPEG renders of stored pages for the Library (thumbnails and the page viewer): PDFs through
 * pdftoppm, images through sharp; kept in a cache bounded in bytes, made a few at a time.
 */
import type { SharpOptions } from 'sharp';
import { loadSharp } from '../imaging/sharp-loader.js';
import { ScanError } from '../core/errors.js';
import type { RenderSize } from '../core/document-library.js';
import { renderPdfPage } from '../jobs/preview.js';

/** Pixel width of each render size: a gallery tile (2x for sharp phone screens), a readable page. */
export const RENDER_WIDTH_PX: Readonly<Record<RenderSize, number>> = { thumb: 320, page: 1400 };
/** Bytes of renders kept; the oldest go first. */
export const RENDER_CACHE_BYTES = 24 * 1024 * 1024;
/** Renders made at the same time (each holds a decoded page in memory). */
export const MAX_PARALLEL_RENDERS = 2;
const JPEG_QUALITY: Readonly<Record<RenderSize, number>> = { thumb: 70, page: 85 };

/** What to render: a file's page, identified for the cache by its path and modification time. */
export interface RenderInput {
  path: string;
  format: string;
  mtimeMs: number;
  page: number;
  size: RenderSize;
}

/** A bounded, caching renderer. */
export interface PageRenders {
  render(input: RenderInput): Promise<Buffer>;
  /** Forgets every render of a file (it was deleted). */
  forget(path: string): void;
  readonly cachedBytes: number;
}

/** Creates the renderer with a cache of `maxBytes`. */
export function createPageRenders(maxBytes = RENDER_CACHE_BYTES): PageRenders {
  // A Map keeps insertion order: re-inserting on a hit makes it least-recently-used first.
  const cache = new Map<string, Buffer>();
  let bytes = 0;
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    while (running >= MAX_PARALLEL_RENDERS) await new Promise<void>((go) => waiting.push(go));
    running += 1;
  };
  const release = () => {
    running -= 1;
    waiting.shift()?.();
  };
  const store = (key: string, jpeg: Buffer) => {
    if (jpeg.length > maxBytes) return;
    cache.set(key, jpeg);
    bytes += jpeg.length;
    for (const [oldKey, old] of cache) {
      if (bytes <= maxBytes) break;
      cache.delete(oldKey);
      bytes -= old.length;
    }
  };
  return {
    async render(input) {
      const key = `${input.path}\u0000${input.mtimeMs}\u0000${input.page}\u0000${input.size}`;
      const hit = cache.get(key);
      if (hit) {
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      await slot();
      try {
        const jpeg = await renderJpeg(input);
        store(key, jpeg);
        return jpeg;
      } finally {
        release();
      }
    },
    forget(path) {
      for (const [key, value] of cache) {
        if (key.startsWith(`${path}\u0000`)) {
          cache.delete(key);
          bytes -= value.length;
        }
      }
    },
    get cachedBytes() {
      return bytes;
    },
  };
}

async function renderJpeg({ path, format, page, size }: RenderInput): Promise<Buffer> {
  const width = RENDER_WIDTH_PX[size];
  let input: Buffer | string = path;
  let options: SharpOptions = {};
  if (format === 'pdf') {
    const png = await renderPdfPage(path, page, width);
    if (!png) throw new ScanError('Unsupported', 'this PDF page cannot be rendered (is poppler-utils installed?)');
    input = png;
  } else if (format === 'tiff') {
    options = { page: page - 1 };
  }
  const sharp = await loadSharp();
  try {
    return await sharp(input, { ...options, limitInputPixels: 20_000 * 20_000 })
      .resize({ width, withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: JPEG_QUALITY[size] })
      .toBuffer();
  } catch (error) {
    throw new ScanError('StorageFailed', `cannot render page ${page}: ${(error as Error).message}`, { cause: error });
  }
}
