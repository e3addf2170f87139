/** Streams one scanned page to a spool file, counting bytes and sniffing its type on the way. */
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ScanError } from '../core/errors.js';
import { extensionFor, sniffPageType, SNIFF_BYTES } from '../core/page-format.js';
import type { ScannedPage } from '../core/scanner.js';
import { createSpoolFileStream } from './spool-file-stream.js';
import type { SpooledPage } from './spooled-page.js';
import { storageFailure } from './storage-errors.js';

/**
 * Bytes buffered on the way to the spool file. Devices send small HTTP chunks (AirSane one per
 * scan line, ~7.6 KB): with the 16 KiB stream default every chunk filled the buffer, paused the
 * socket and became its own write(2); with this much room chunks queue while a write is under
 * way and go out together (writev), and the socket keeps flowing.
 */
export const SPOOL_WRITE_BUFFER_BYTES = 1024 * 1024;

/** Watches a page stream: keeps its first bytes, counts the rest, enforces a size limit. */
class PageMeter extends Transform {
  head = Buffer.alloc(0);
  bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onProgress?: (bytes: number) => void,
  ) {
    super({ highWaterMark: SPOOL_WRITE_BUFFER_BYTES });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      callback(new ScanError('StorageFailed', `page exceeds the ${this.maxBytes}-byte limit`));
      return;
    }
    if (this.head.length < SNIFF_BYTES) this.head = Buffer.concat([this.head, chunk.subarray(0, SNIFF_BYTES - this.head.length)]);
    this.onProgress?.(this.bytes);
    callback(null, chunk);
  }
}

/** Flushes a finished spool file to disk (the rest of it: it was flushed while written). Runs while the next page arrives; the file is then linked, not copied, into place. */
export async function syncSpoolFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `page` into `dir` as `page-NNNN.<ext>`; rejects and removes the partial file when anything fails. */
export async function spoolPage(page: ScannedPage, dir: string, maxBytes: number, onProgress?: (bytes: number) => void): Promise<SpooledPage> {
  const stem = join(dir, `page-${String(page.index).padStart(4, '0')}`);
  const partial = `${stem}.part`;
  const meter = new PageMeter(maxBytes, onProgress);
  try {
    await pipeline(page.data, meter, createSpoolFileStream(partial, SPOOL_WRITE_BUFFER_BYTES));
    const type = sniffPageType(meter.head);
    if (meter.bytes === 0) throw new ScanError('ProtocolError', `page ${page.index} is empty`);
    if (type === undefined) {
      throw new ScanError('ProtocolError', `page ${page.index} is not a known image or PDF (declared ${page.declaredType ?? 'nothing'})`);
    }
    const path = `${stem}.${extensionFor(type)}`;
    await rename(partial, path);
    return { index: page.index, path, type, bytes: meter.bytes, resolution: page.resolution, widthPx: page.widthPx, heightPx: page.heightPx };
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof ScanError) throw error;
    // A failing source stream is the device's fault, not the disk's.
    if (!page.data.readableEnded && (page.data.errored || page.data.destroyed)) {
      throw new ScanError('DeviceError', `page ${page.index} stream failed: ${(error as Error).message}`, { cause: error });
    }
    throw storageFailure(error, `spool file ${partial}`);
  }
}
