/** Flushing files while they are written: one flush at a time, every few megabytes; a failed flush reaches the writer. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackgroundSync, SYNC_EVERY_BYTES } from '../../src/storage/background-sync.js';
import { createSpoolFileStream } from '../../src/storage/spool-file-stream.js';

/** A file handle whose datasync calls wait until the test settles them. */
function fakeFile() {
  const calls: { resolve: () => void; reject: (error: Error) => void }[] = [];
  return {
    calls,
    datasync: () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject })),
  };
}

const MiB = 1024 * 1024;

describe('background sync', () => {
  it('flushes after every few new megabytes, never two at once', async () => {
    const file = fakeFile();
    const sync = new BackgroundSync(file, 4 * MiB);
    sync.wrote(1 * MiB);
    expect(file.calls).toHaveLength(0);
    sync.wrote(4 * MiB);
    expect(file.calls).toHaveLength(1);
    sync.wrote(12 * MiB); // the first flush still runs
    expect(file.calls).toHaveLength(1);
    file.calls[0]?.resolve();
    await sync.settle();
    sync.wrote(12 * MiB);
    expect(file.calls).toHaveLength(2);
    sync.wrote(13 * MiB);
    file.calls[1]?.resolve();
    await sync.settle();
    sync.wrote(14 * MiB); // only 2 MiB since the last flush began
    expect(file.calls).toHaveLength(2);
  });

  it('throws a failed flush at settle, and starts no more', async () => {
    const file = fakeFile();
    const sync = new BackgroundSync(file, MiB);
    sync.wrote(2 * MiB);
    file.calls[0]?.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(sync.settle()).rejects.toMatchObject({ code: 'EIO' });
    sync.wrote(10 * MiB);
    expect(file.calls).toHaveLength(1);
    await sync.idle(); // idle never throws: it only waits
    await expect(sync.settle()).rejects.toMatchObject({ code: 'EIO' });
  });

  it('uses a flush interval of a few megabytes by default', () => {
    expect(SYNC_EVERY_BYTES).toBeGreaterThanOrEqual(MiB);
    expect(SYNC_EVERY_BYTES).toBeLessThanOrEqual(16 * MiB);
  });
});

describe('spool file stream', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spool-stream-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every byte in order, from chunks of every size, past several flushes', async () => {
    const parts: Buffer[] = [];
    let seed = 3;
    for (let total = 0; total < 3 * SYNC_EVERY_BYTES + 12345; ) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const size = [1, 7_600, 65_536, 1_048_576, 3 * 1_048_576][seed % 5] as number;
      parts.push(Buffer.alloc(size, seed & 0xff));
      total += size;
    }
    const path = join(dir, 'page.part');
    await pipeline(Readable.from(parts), createSpoolFileStream(path, MiB));
    expect((await readFile(path)).equals(Buffer.concat(parts))).toBe(true);
  });

  it('refuses a file that exists (nothing is overwritten)', async () => {
    const path = join(dir, 'taken.part');
    await writeFile(path, 'keep me');
    await expect(pipeline(Readable.from([Buffer.from('new')]), createSpoolFileStream(path, MiB))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path, 'utf8')).toBe('keep me');
  });

  it('passes a failing source on and closes the file', async () => {
    const path = join(dir, 'broken.part');
    const source = new Readable({ read() {} });
    source.push(Buffer.alloc(5 * MiB, 1));
    setImmediate(() => source.destroy(new Error('device gone')));
    await expect(pipeline(source, createSpoolFileStream(path, MiB))).rejects.toThrow('device gone');
    await rm(path); // closed: removable, and nothing holds it
  });
});
