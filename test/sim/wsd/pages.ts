/** The simulated WSD device's page images: flat colours drawn by sharp, each drawn once and then served from memory. */
import sharp from 'sharp';
import type { SimJob } from './simulator.js';

/** Rendered pages kept, so a benchmark's repeated batches are served at wire speed, not drawing speed. */
const PAGE_CACHE_ENTRIES = 64;

/** Pages by job shape (format, colour, resolution, region) and page number. */
export class PageCache {
  private readonly images = new Map<string, Promise<Buffer>>();

  /** The page image, drawn on first use. */
  get(job: Pick<SimJob, 'format' | 'color' | 'dpi' | 'widthUnits' | 'heightUnits'>, page: number): Promise<Buffer> {
    const key = [job.format, job.color, job.dpi, job.widthUnits, job.heightUnits, page].join('/');
    let image = this.images.get(key);
    if (!image) {
      if (this.images.size >= PAGE_CACHE_ENTRIES) this.images.delete(this.images.keys().next().value as string);
      image = renderPage(job, page);
      this.images.set(key, image);
      image.catch(() => this.images.delete(key));
    }
    return image;
  }
}

/** A page of the job: a flat colour that differs per page, as JPEG or PNG. */
async function renderPage(job: Pick<SimJob, 'format' | 'color' | 'dpi' | 'widthUnits' | 'heightUnits'>, page: number): Promise<Buffer> {
  const width = Math.max(1, Math.round((job.widthUnits / 1000) * job.dpi));
  const height = Math.max(1, Math.round((job.heightUnits / 1000) * job.dpi));
  const shade = (page * 40) % 256;
  const image = sharp({ create: { width, height, channels: 3, background: { r: shade, g: 255 - shade, b: 128 } } });
  const grey = job.color !== 'RGB24' ? image.toColourspace('b-w') : image;
  return job.format === 'png' ? grey.png().toBuffer() : grey.jpeg({ quality: 80 }).toBuffer();
}

