/**
 * The storage and data folders: each can be written (a probe file is made and removed, so
 * a read-only mount or a full disk shows, which permission bits alone would not tell root),
 * and its disk has the free space the gateway wants before it starts a job.
 */
import { randomBytes } from 'node:crypto';
import { access, constants, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { freeBytes } from '../storage/free-space.js';
import type { CheckResult } from './check-result.js';

const BYTES_PER_MB = 1024 * 1024;

/** A folder to check, named as the config names it. */
export interface FolderToCheck {
  /** `storage folder`, `data folder`. */
  role: string;
  path: string;
  /** The config key and variable that set it, for the fix. */
  key: string;
}

/** Checks each folder; `minFreeMb` 0 reports the free space without judging it. */
export async function checkFolders(folders: readonly FolderToCheck[], minFreeMb: number): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const folder of folders) out.push(...(await checkFolder(folder, minFreeMb)));
  return out;
}

async function checkFolder(folder: FolderToCheck, minFreeMb: number): Promise<CheckResult[]> {
  const path = resolve(folder.path);
  const subject = `${folder.role} ${path}`;
  const result = (status: CheckResult['status'], message: string, fix?: string): CheckResult => ({ area: 'folders', subject, status, message, ...(fix ? { fix } : {}) });
  const writable = await writeProblem(path);
  if (writable !== undefined) return [result('problem', writable, `make ${path} writable for the user the gateway runs as, or point ${folder.key} elsewhere`)];
  const out = [result('ok', 'writable')];
  let free: number;
  try {
    free = await freeBytes(path);
  } catch (error) {
    return [...out, result('problem', `cannot read the free space: ${(error as Error).message}`)];
  }
  const freeMb = free / BYTES_PER_MB;
  if (minFreeMb > 0 && freeMb < minFreeMb) {
    out.push(result('problem', `only ${freeMb.toFixed(1)} MB free; scans are refused below ${minFreeMb} MB (storage.min_free_mb)`, `free space on that disk, or move ${folder.key} to a larger one`));
  } else {
    out.push(result('ok', `${freeMb.toFixed(0)} MB free`));
  }
  return out;
}

/** Undefined when the folder (or, if it does not exist yet, the parent it will be made in) takes a new file. */
async function writeProblem(path: string): Promise<string | undefined> {
  let existing = path;
  for (;;) {
    try {
      const info = await stat(existing);
      if (!info.isDirectory()) return existing === path ? 'is a file, not a folder' : `${existing} is a file, so the folder cannot be made`;
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(existing) === existing) return (error as Error).message;
      existing = dirname(existing);
    }
  }
  const probe = join(existing, `.scan2mqtt-doctor-${randomBytes(4).toString('hex')}`);
  try {
    await access(existing, constants.W_OK | constants.X_OK);
    await writeFile(probe, 'probe', { flag: 'wx' });
    await unlink(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'is on a read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'may not be written by this user' : code === 'ENOSPC' ? 'is on a full disk' : (error as Error).message;
    return existing === path ? why : `does not exist, and ${existing}, where it would be made, ${why}`;
  }
  return undefined;
}
