/**
 * Where a preview scan's page goes: kept in memory as a screen-sized JPEG per scanner (never
 * stored to the folder or a target), read back by the Scan page.
 */
import { loadSharp } from '../imaging/sharp-loader.js';
import { ScanError } from '../core/errors.js';
import type { JobSink } from '../core/job-sink.js';

/** Largest page a preview takes from the device (a 150 dpi colour A4 page is ~6 MiB raw). */
export const MAX_PREVIEW_PAGE_BYTES = 32 * 1024 * 1024;
/** Width of the kept preview. */
export const PREVIEW_WIDTH_PX = 900;

/** Previews by scanner id, the last one of each. */
export interface PreviewStore {
  sink(scannerId: string): JobSink;
  get(scannerId: string): { job: string; jpeg: Buffer } | undefined;
}

/** Creates an empty store. */
export function createPreviewStore(): PreviewStore {
  const previews = new Map<string, { job: string; jpeg: Buffer }>();
  return {
    get: (id) => previews.get(id),
    sink: (scannerId) => ({
      open(job) {
        let first: Buffer | undefined;
        return {
          async addPage(page, onProgress) {
            const chunks: Buffer[] = [];
            let size = 0;
            for await (const chunk of page.data as AsyncIterable<Buffer>) {
              size += chunk.length;
              if (size > MAX_PREVIEW_PAGE_BYTES) throw new ScanError('LimitExceeded', `preview page larger than ${MAX_PREVIEW_PAGE_BYTES} bytes`);
              chunks.push(chunk);
              onProgress?.(size);
            }
            first ??= Buffer.concat(chunks);
          },
          async finish() {
            if (!first) throw new ScanError('DeviceError', 'the preview scan delivered no page');
            const sharp = await loadSharp();
            const jpeg = await sharp(first).resize({ width: PREVIEW_WIDTH_PX, withoutEnlargement: true }).flatten({ background: '#ffffff' }).jpeg({ quality: 75 }).toBuffer();
            previews.set(scannerId, { job: job.id, jpeg });
            return { stored: [] };
          },
          async abort() {
            first = undefined;
          },
        };
      },
    }),
  };
}
