/**
 * A small real file system for storage-fault tests: a tmpfs of a fixed size, so "disk full"
 * is the kernel's own ENOSPC, not a mock. Mounting needs root (CAP_SYS_ADMIN); tests that use
 * this say so and are skipped for other users.
 *
 *   const disk = await mountTmpfs(4);           // 4 MiB
 *   await disk.fillLeaving(100_000);            // a filler file leaves ~100 kB free
 *   await disk.unfill();                        // frees it again
 *   await disk.unmount();
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** tmpfs allocates whole pages; sizes below are rounded to this. */
export const TMPFS_BLOCK = 4096;
const FILLER = '.filler';

/** True when this process may mount file systems (the tests that need it skip otherwise). */
export const CAN_MOUNT = process.getuid?.() === 0;

/** A mounted tmpfs. */
export interface Tmpfs {
  readonly path: string;
  /** Bytes an unprivileged writer may still use. */
  freeBytes(): Promise<number>;
  /** Writes a filler file so that between `bytes` and `bytes + TMPFS_BLOCK` stay free. */
  fillLeaving(bytes: number): Promise<void>;
  /** Removes the filler file. */
  unfill(): Promise<void>;
  unmount(): Promise<void>;
}

/** Free bytes of the file system holding `path`. */
export async function freeBytesAt(path: string): Promise<number> {
  const s = await statfs(path);
  return s.bavail * s.bsize;
}

/** Mounts a fresh tmpfs of `sizeMiB` on a new temp folder. */
export async function mountTmpfs(sizeMiB: number): Promise<Tmpfs> {
  const path = await mkdtemp(join(tmpdir(), 'scan2mqtt-tmpfs-'));
  await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0755`, 'tmpfs', path]);
  const filler = join(path, FILLER);
  return {
    path,
    freeBytes: () => freeBytesAt(path),
    async fillLeaving(bytes) {
      await rm(filler, { force: true });
      const free = await freeBytesAt(path);
      const size = Math.floor((free - bytes) / TMPFS_BLOCK) * TMPFS_BLOCK;
      if (size < 0) throw new Error(`only ${free} bytes free on ${path}, cannot leave ${bytes}`);
      await writeFile(filler, Buffer.alloc(size));
    },
    unfill: () => rm(filler, { force: true }),
    async unmount() {
      await run('umount', [path]).catch(() => run('umount', ['-l', path]));
      await rm(path, { recursive: true, force: true });
    },
  };
}
