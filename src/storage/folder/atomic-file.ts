/**
 * Puts a finished file under its final name atomically and without overwriting: a hidden temp
 * name in the same directory (a hard link to the source when both are on one file system, so
 * each byte is written once; else a copy), fsync, hard-link (or rename) into place, fsync the directory.
 */
import { constants } from 'node:fs';
import { copyFile, link, lstat, open, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, extname, join } from 'node:path';
import { ScanError } from '../../core/errors.js';
import { errnoCode, storageFailure } from '../storage-errors.js';
import { syncPath } from '../../persistence/json-file.js';

/** How many `-1`, `-2`, ... suffixes are tried before giving up on a free name. */
export const MAX_NAME_SUFFIX = 999;

/** Errors from link(2) that mean "this file system has no hard links", not "name taken". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** `name.ext` → `name-3.ext`. */
export function suffixedName(path: string, n: number): string {
  if (n === 0) return path;
  const ext = extname(path);
  return `${path.slice(0, path.length - ext.length)}-${n}${ext}`;
}

/** Puts `source` at `finalPath` (or a `-N` variant if taken); returns the path actually used. The directory must exist. */
export async function placeFileAtomically(source: string, finalPath: string, fileMode?: number, owner: FileOwner = {}): Promise<string> {
  const dir = dirname(finalPath);
  const temp = join(dir, `.${basename(finalPath)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    if (!(await linkedPrivately(source, temp))) await copyFile(source, temp, constants.COPYFILE_EXCL);
    await syncFile(temp, fileMode, owner);
    const placed = await claimName(temp, finalPath);
    await syncPath(dir);
    return placed;
  } catch (error) {
    throw storageFailure(error, finalPath);
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Hard-links `source` as `temp` when they share a file system and nobody else holds the inode:
 * true when `temp` is now the source's own inode. A source already linked elsewhere (an
 * earlier target) is copied instead, so one target's mode and owner never change another's file.
 */
async function linkedPrivately(source: string, temp: string): Promise<boolean> {
  try {
    await link(source, temp);
  } catch (error) {
    const code = errnoCode(error);
    if (code !== undefined && NO_HARD_LINKS.has(code)) return false;
    throw error;
  }
  // Two names: the source in the spool and the temp name here.
  if ((await lstat(temp)).nlink === 2) return true;
  await rm(temp, { force: true });
  return false;
}

/** Owner for stored files; -1 (unset) keeps the current one. */
export interface FileOwner {
  uid?: number | undefined;
  gid?: number | undefined;
}

/** Sets owner and mode and flushes the temp file to disk before it gets its name. */
async function syncFile(path: string, fileMode: number | undefined, owner: FileOwner): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    // chown before chmod: chown clears set-id bits, and the mode asked for should win.
    if (owner.uid !== undefined || owner.gid !== undefined) await handle.chown(owner.uid ?? -1, owner.gid ?? -1);
    if (fileMode !== undefined) await handle.chmod(fileMode);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Links `temp` under the first free name; link(2) fails on an existing name, so nothing is overwritten. */
async function claimName(temp: string, finalPath: string): Promise<string> {
  for (let n = 0; n <= MAX_NAME_SUFFIX; n++) {
    const candidate = suffixedName(finalPath, n);
    try {
      await link(temp, candidate);
      return candidate;
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'EEXIST') continue;
      if (code === undefined || !NO_HARD_LINKS.has(code)) throw error;
      // No hard links (some FUSE/SMB mounts): check, then rename; a racing writer could slip in between.
      if (await exists(candidate)) continue;
      await rename(temp, candidate);
      return candidate;
    }
  }
  throw new ScanError('StorageFailed', `no free file name for ${finalPath} after ${MAX_NAME_SUFFIX} attempts`);
}

/** True when something already has this name. */
async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

