/** Stores documents as files in a local folder, named by a template, atomically and never overwriting. */
import { mkdir, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ScanError } from '../../core/errors.js';
import type { StoredFile } from '../../core/job.js';
import type { Logger } from '../../core/logger.js';
import { storageFailure, errnoCode } from '../storage-errors.js';
import type { DeliveryContext, OutputDocument, StorageTarget } from '../target.js';
import { placeFileAtomically } from './atomic-file.js';
import { checkTemplate, DEFAULT_FILENAME_TEMPLATE, renderDocumentPath } from './filename-template.js';

/** Options of a folder target. */
export interface FolderTargetOptions {
  /** Root folder; created if missing. Nothing is ever written outside it. */
  folder: string;
  /** Defaults to DEFAULT_FILENAME_TEMPLATE. */
  filenameTemplate?: string;
  /** Mode of stored files (e.g. 0o640); the spool file's mode when unset. */
  fileMode?: number;
  /** Owner and group of stored files (needs root or CAP_CHOWN); unchanged when unset. */
  uid?: number;
  gid?: number;
  logger: Logger;
}

/** True when `child` is `root` or lies below it. */
function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Makes `root` and then each folder of `subPath` one level at a time: recursive mkdir reports
 * ENOENT for what is really EROFS or EACCES, and users need the real reason.
 */
async function makeDirectories(root: string, subPath: string): Promise<void> {
  let current = root;
  const levels = [root, ...subPath.split(sep).filter((s) => s !== '')];
  for (const [i, level] of levels.entries()) {
    current = i === 0 ? level : join(current, level);
    try {
      await mkdir(current, i === 0 ? { recursive: true } : undefined);
    } catch (error) {
      if (errnoCode(error) !== 'EEXIST') throw storageFailure(error, current);
      const isDirectory = await stat(current).then((s) => s.isDirectory(), () => false);
      if (!isDirectory) throw new ScanError('StorageFailed', `not a directory: ${current}`);
    }
  }
}

/** Creates a target that stores into `options.folder`; throws ScanError('InvalidRequest') on a bad template. */
export function createFolderTarget(options: FolderTargetOptions): StorageTarget {
  const template = options.filenameTemplate ?? DEFAULT_FILENAME_TEMPLATE;
  checkTemplate(template);
  const root = resolve(options.folder);
  const logger = options.logger.child({ component: 'folder-target' });

  /** Resolves the rendered name under the root and makes its directory, refusing any escape (also by symlink). */
  async function prepareDirectory(relativeName: string): Promise<string> {
    const target = resolve(root, relativeName);
    if (!isInside(root, target) || target === root) throw new ScanError('InvalidRequest', `file name "${relativeName}" escapes ${root}`);
    await makeDirectories(root, relative(root, dirname(target)));
    const [realRoot, realDir] = await Promise.all([realpath(root), realpath(dirname(target))]);
    if (!isInside(realRoot, realDir)) throw new ScanError('InvalidRequest', `file name "${relativeName}" leads outside ${root} through a link`);
    return target;
  }

  return {
    name: `folder:${root}`,
    async deliver(doc: OutputDocument, ctx: DeliveryContext): Promise<StoredFile[]> {
      const relativeName = renderDocumentPath(template, doc, ctx);
      const target = await prepareDirectory(relativeName);
      const path = await placeFileAtomically(doc.path, target, options.fileMode, { uid: options.uid, gid: options.gid });
      logger.info({ path, pages: doc.pages, bytes: doc.bytes }, 'document stored');
      // The gateway's own absolute path means nothing to a Home Assistant user: also say where in the folder it is.
      const location = relative(root, path).split(sep).join('/');
      return [{ path, location, format: doc.format, bytes: doc.bytes, pages: doc.pages }];
    },
  };
}
