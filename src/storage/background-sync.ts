/**
 * Flushes a file being written to disk as it grows, so the fsync that makes it durable at the
 * end has only the last few megabytes left: a 13 MB page's single fsync took 25-30 ms on the
 * test machine, all of it after the last byte, where the user waits for "done". The flushes run
 * on libuv's pool while writing goes on; one at a time.
 */
import type { FileHandle } from 'node:fs/promises';

/** New bytes after which a flush starts. */
export const SYNC_EVERY_BYTES = 4 * 1024 * 1024;

/** Background fdatasync of one open file. */
export class BackgroundSync {
  private syncedTo = 0;
  private running: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly file: Pick<FileHandle, 'datasync'>,
    private readonly everyBytes = SYNC_EVERY_BYTES,
  ) {}

  /** Tells how far the file is written; starts a flush when enough is new and none runs. */
  wrote(position: number): void {
    if (this.running !== undefined || this.failure !== undefined || position - this.syncedTo < this.everyBytes) return;
    this.syncedTo = position;
    this.running = this.file
      .datasync()
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /**
   * Waits for a running flush and throws the error of a failed one. It must reach the writer: Linux
   * reports a write-back error once, so the final fsync (on another descriptor) could succeed after it.
   */
  async settle(): Promise<void> {
    await this.running;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits for a running flush, whatever its outcome (before closing or truncating). */
  async idle(): Promise<void> {
    await this.running;
  }
}
