/** Streams one scanned page to a spool file, counting bytes and sniffing its type on the way. */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ScanError } from '../core/errors.js';
import { extensionFor, sniffPageType, SNIFF_BYTES } from '../core/page-format.js';
import type { ScannedPage } from '../core/scanner.js';
import type { SpooledPage } from './spooled-page.js';
import { storageFailure } from './storage-errors.js';

/** Watches a page stream: keeps its first bytes, counts the rest, enforces a size limit. */
class PageMeter extends Transform {
  head = Buffer.alloc(0);
  bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onProgress?: (bytes: number) => void,
  ) {
    super();
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

/** Writes `page` into `dir` as `page-NNNN.<ext>`; rejects and removes the partial file when anything fails. */
export async function spoolPage(page: ScannedPage, dir: string, maxBytes: number, onProgress?: (bytes: number) => void): Promise<SpooledPage> {
  const stem = join(dir, `page-${String(page.index).padStart(4, '0')}`);
  const partial = `${stem}.part`;
  const meter = new PageMeter(maxBytes, onProgress);
  try {
    await pipeline(page.data, meter, createWriteStream(partial, { flags: 'wx' }));
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
