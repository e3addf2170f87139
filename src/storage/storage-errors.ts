/** Turns file-system failures into ScanErrors a user can act on ("disk full", "permission denied"). */
import { ScanError } from '../core/errors.js';

/** Error codes of node's fs layer that deserve their own wording. */
const ERRNO_WORDING: Record<string, string> = {
  ENOSPC: 'disk full',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
};

/** The errno code of a node system error, if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Wraps any failure while storing `what` (a path or a step) into ScanError('StorageFailed'); ScanErrors pass through. */
export function storageFailure(error: unknown, what: string): ScanError {
  if (error instanceof ScanError) return error;
  const code = errnoCode(error);
  const wording = code === undefined ? undefined : ERRNO_WORDING[code];
  const detail = error instanceof Error ? error.message : String(error);
  const message = wording !== undefined ? `${wording}: ${what}` : `cannot store ${what}: ${detail}`;
  return new ScanError('StorageFailed', message, { cause: error });
}
