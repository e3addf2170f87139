/** The free-space floor: a job is not started on a disk so full that its pages could not be kept. */
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ScanError } from '../core/errors.js';
import { errnoCode, storageFailure } from './storage-errors.js';

/** Default floor (`storage.min_free_mb`): room for a long ADF batch at high resolution, with its PDF. */
export const DEFAULT_MIN_FREE_MB = 100;
const BYTES_PER_MB = 1024 * 1024;

/** Bytes an unprivileged writer may still use on the disk holding `folder` (or its nearest existing parent). */
export async function freeBytes(folder: string): Promise<number> {
  let path = resolve(folder);
  for (;;) {
    try {
      const fs = await statfs(path);
      return fs.bavail * fs.bsize;
    } catch (error) {
      // The spool folder is made on a job's first page; until then its parent's disk is the one that counts.
      const parent = dirname(path);
      if (errnoCode(error) !== 'ENOENT' || parent === path) throw error;
      path = parent;
    }
  }
}

/** MB with one decimal, as the error message shows it. */
const mb = (bytes: number) => (bytes / BYTES_PER_MB).toFixed(1);

/**
 * Rejects with ScanError('InsufficientStorage') when the disk of `folder` has less than
 * `minFreeMb` free (0 turns the check off), and with StorageFailed when it cannot be read.
 */
export async function checkFreeSpace(folder: string, minFreeMb: number, what = folder): Promise<void> {
  if (minFreeMb <= 0) return;
  let free: number;
  try {
    free = await freeBytes(folder);
  } catch (error) {
    throw storageFailure(error, `free space of ${what}`);
  }
  if (free < minFreeMb * BYTES_PER_MB) {
    throw new ScanError('InsufficientStorage', `only ${mb(free)} MB free on ${what}; a job needs at least ${minFreeMb} MB (storage.min_free_mb = ${minFreeMb})`);
  }
}
