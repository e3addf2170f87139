/**
 * The write side of a spool file: a Writable over a file handle (created exclusively), written
 * with positional writev and flushed to disk as it grows (background-sync.ts), so the page's
 * final fsync is short. A failed flush fails the stream, as a failed write does.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { BackgroundSync } from './background-sync.js';

/** A new file at `path` (which must not exist) as a Writable buffering up to `highWaterMark` bytes. */
export function createSpoolFileStream(path: string, highWaterMark: number): Writable {
  return new SpoolFileStream(path, highWaterMark);
}

/** The buffers left after the first `written` bytes of them went out. */
function unwritten(buffers: Buffer[], written: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = written;
  for (const buffer of buffers) {
    if (skip >= buffer.length) skip -= buffer.length;
    else {
      rest.push(skip > 0 ? buffer.subarray(skip) : buffer);
      skip = 0;
    }
  }
  return rest;
}

class SpoolFileStream extends Writable {
  private file: FileHandle | undefined;
  private sync: BackgroundSync | undefined;
  private position = 0;

  constructor(
    private readonly path: string,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, 'wx').then((file) => {
      this.file = file;
      this.sync = new BackgroundSync(file);
      callback();
    }, callback);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll([chunk]).then(() => callback(), callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.writeAll(chunks.map((c) => c.chunk)).then(() => callback(), callback);
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    const file = this.file as FileHandle;
    for (let pending = buffers; pending.length > 0; ) {
      const { bytesWritten } = await file.writev(pending, this.position);
      this.position += bytesWritten;
      pending = unwritten(pending, bytesWritten);
    }
    this.sync?.wrote(this.position);
  }

  override _final(callback: (error?: Error | null) => void): void {
    const file = this.file as FileHandle;
    (this.sync as BackgroundSync)
      .settle()
      .then(() => {
        this.file = undefined;
        return file.close();
      })
      .then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const file = this.file;
    this.file = undefined;
    const closed = (this.sync?.idle() ?? Promise.resolve()).then(() => file?.close()).catch(() => undefined);
    void closed.then(() => callback(error));
  }
}
