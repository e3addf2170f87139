/**
 * Where image bytes go as a data port delivers them, and the page encoders that take them.
 * The data port reads into one reused buffer (no new buffer per socket read, so a 600 dpi
 * page of 104 MB adds nothing for the garbage collector), so a sink gets views that are only
 * valid during the call: it copies what it keeps before returning. Backpressure is a flag
 * and a promise rather than a stream, because the bytes cannot wait in a queue.
 */
import type { Readable, Writable } from 'node:stream';

/** Takes image bytes as they arrive. */
export interface ImageByteSink {
  /** Takes all of `bytes`, a view valid only during this call (copy what is kept). May throw to stop the transfer. */
  write(bytes: Buffer): void;
  /** False while the sink wants the sender to wait (its buffers are full). */
  readonly accepting: boolean;
  /** Settles once the sink accepts again; rejects when it failed meanwhile. */
  ready(): Promise<void>;
}

/** A sink that encodes raw lines into a page stream. */
export interface PageEncoder extends ImageByteSink {
  /** The encoded page; errors with the error the encoder was destroyed with. */
  readonly output: Readable;
  /** No more lines: whatever is buffered is encoded and the output ends. */
  end(): void;
  /** Stops at once; the output errors with `error`. */
  destroy(error: Error): void;
}

/** Bytes per copied block: large enough that a page is a few hundred allocations, small enough to flow steadily. */
export const FEED_BLOCK_BYTES = 256 * 1024;

/**
 * Feeds a Writable (a stream encoder's input, a spool file) from transient views by copying
 * them into owned blocks; a block is written when full, the last one at `end()`.
 */
export class WritableFeed implements ImageByteSink {
  private block: Buffer | undefined;
  private filled = 0;

  constructor(
    private readonly target: Writable,
    private readonly blockBytes = FEED_BLOCK_BYTES,
  ) {
    // The target's failure reaches the writer here (write and ready throw it); an 'error' nobody
    // heard would be an uncaught exception that ends the daemon.
    target.on('error', () => undefined);
  }

  get accepting(): boolean {
    return !this.target.writableNeedDrain && !this.target.destroyed;
  }

  write(bytes: Buffer): void {
    if (this.target.destroyed) throw this.target.errored ?? new Error('the page output was closed');
    for (let at = 0; at < bytes.length; ) {
      this.block ??= Buffer.allocUnsafe(this.blockBytes);
      const n = bytes.copy(this.block, this.filled, at, Math.min(bytes.length, at + this.blockBytes - this.filled));
      this.filled += n;
      at += n;
      if (this.filled === this.blockBytes) this.flush();
    }
  }

  ready(): Promise<void> {
    const target = this.target;
    if (this.accepting) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const settle = () => {
        target.off('drain', settle);
        target.off('close', settle);
        target.off('error', settle);
        if (target.destroyed) reject(target.errored ?? new Error('the page output was closed'));
        else resolve();
      };
      if (target.destroyed) return settle();
      // A target destroyed while we wait never drains: 'close' ends the wait too.
      target.once('drain', settle);
      target.once('close', settle);
      target.once('error', settle);
    });
  }

  /** Writes the partial block and ends the target. */
  end(): void {
    this.flush();
    this.target.end();
  }

  private flush(): void {
    if (!this.block || this.filled === 0) return;
    this.target.write(this.filled === this.block.length ? this.block : this.block.subarray(0, this.filled));
    this.block = undefined;
    this.filled = 0;
  }
}

/** Feeds a page encoder from a stream of owned chunks (spool files, interleaved planes); the source's error destroys it. */
export async function feedFromReadable(source: Readable, encoder: PageEncoder): Promise<void> {
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      encoder.write(chunk);
      if (!encoder.accepting) await encoder.ready();
    }
    encoder.end();
  } catch (error) {
    encoder.destroy(error as Error);
  }
}
