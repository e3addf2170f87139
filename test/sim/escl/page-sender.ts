/**
 * Streams a rendered page into an HTTP response, applying the body faults
 * (slow trickle, connection cut mid-page) and stopping the renderer as soon
 * as the client goes away, so no page outlives its request.
 */
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

/** Slices per second when trickling a slow body. */
export const SLOW_BODY_TICKS_PER_SECOND = 10;

/** Body faults applying to one page. */
export interface PageBodyFaults {
  readonly bytesPerSecond?: number;
  readonly cutAfterBytes?: number;
}

/** Writes `page` to `res` (chunked); resolves when done, cut, or the client left. */
export async function sendPageBody(res: ServerResponse, page: Readable, faults: PageBodyFaults, signal: AbortSignal): Promise<void> {
  let sent = 0;
  const slice = faults.bytesPerSecond ? Math.max(1, Math.floor(faults.bytesPerSecond / SLOW_BODY_TICKS_PER_SECOND)) : Infinity;
  try {
    for await (const chunk of page) {
      let data = chunk as Buffer;
      while (data.length > 0) {
        if (signal.aborted || res.destroyed) return;
        let piece = data.subarray(0, Math.min(data.length, slice));
        if (faults.cutAfterBytes !== undefined && sent + piece.length >= faults.cutAfterBytes) {
          piece = piece.subarray(0, Math.max(0, faults.cutAfterBytes - sent));
          await write(res, piece);
          // Destroying the socket mid-chunk is what a device losing power or Wi-Fi looks like.
          res.socket?.destroy();
          return;
        }
        await write(res, piece);
        sent += piece.length;
        data = data.subarray(piece.length);
        if (slice !== Infinity) await sleep(1000 / SLOW_BODY_TICKS_PER_SECOND, undefined, { signal }).catch(() => undefined);
      }
    }
    if (!res.destroyed) res.end();
  } finally {
    page.destroy();
  }
}

/** Writes and waits until the bytes reached the socket (so a cut right after really sends them). */
function write(res: ServerResponse, data: Buffer): Promise<void> {
  if (data.length === 0 || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('close', done);
      resolve();
    };
    res.once('close', done);
    res.write(data, done);
  });
}
