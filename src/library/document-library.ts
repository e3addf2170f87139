/**
 * The Library behind the web frontend: the documents the job history says were stored to the
 * folder and that are still there. Every path is checked to lie inside the storage folder, so a
 * history entry (a persisted file a user could edit) can never make it read or delete elsewhere.
 */
import { stat, unlink } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
import { invalidRequest, ScanError } from '../core/errors.js';
import type { DocumentLibrary, LibraryDocument } from '../core/document-library.js';
import type { JobHistoryEntry } from '../core/gateway-api.js';
import type { StoredFile, TargetDeliveryResult } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import { extensionFor, mimeTypeFor, type SniffedType } from '../core/page-format.js';
import type { DocumentFormat } from '../core/capabilities.js';
import type { DeliveryQueue } from '../storage/delivery/delivery-queue.js';
import type { TargetSet } from '../storage/target-set.js';
import { createPageRenders, type PageRenders } from './page-renders.js';

/** Documents a listing returns at most (the gallery shows the last ones). */
export const MAX_LIBRARY_DOCUMENTS = 200;
/** History entries read to find them (several documents per job, some deleted). */
const HISTORY_SCAN = 1000;
const FORMATS: readonly string[] = ['pdf', 'jpeg', 'png', 'tiff'];

/** What the library reads and writes. */
export interface DocumentLibraryDeps {
  storageFolder: string;
  history: (limit: number) => JobHistoryEntry[];
  targets: TargetSet;
  targetNames: () => string[];
  deliveries: DeliveryQueue;
  logger: Logger;
  renders?: PageRenders;
}

interface Located {
  doc: LibraryDocument;
  file: StoredFile;
  path: string;
  scannerName: string;
}

/** Builds the library over the storage folder. */
export function createDocumentLibrary(deps: DocumentLibraryDeps): DocumentLibrary {
  const root = resolve(deps.storageFolder);
  const renders = deps.renders ?? createPageRenders();

  /** The file's absolute path when it lies inside the folder, else undefined. */
  const inside = (file: StoredFile): string | undefined => {
    if (!file.location || !FORMATS.includes(file.format)) return undefined;
    const path = resolve(root, file.location);
    const rel = relative(root, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return undefined;
    return path;
  };

  const candidates = (): Located[] =>
    deps.history(HISTORY_SCAN).flatMap((entry) =>
      (entry.stored ?? []).flatMap((file, index) => {
        const path = inside(file);
        if (!path) return [];
        const doc: LibraryDocument = {
          id: `${entry.id}~${index}`,
          job: entry.id,
          scanner: entry.scanner,
          location: file.location!,
          format: file.format,
          pages: file.pages,
          bytes: file.bytes,
          created_at: entry.finished_at ?? entry.created_at,
        };
        return [{ doc, file, path, scannerName: entry.scanner }];
      }),
    );

  const find = async (id: string): Promise<Located & { mtimeMs: number }> => {
    if (typeof id !== 'string' || !id.includes('~')) throw invalidRequest('document id must look like <job>~<n>');
    const found = candidates().find((c) => c.doc.id === id);
    const info = found ? await stat(found.path).catch(() => undefined) : undefined;
    if (!found || !info?.isFile()) throw new ScanError('NotFound', `no document "${id}"`);
    return { ...found, mtimeMs: info.mtimeMs };
  };

  return {
    async list(limit = MAX_LIBRARY_DOCUMENTS) {
      const wanted = Math.max(1, Math.min(limit, MAX_LIBRARY_DOCUMENTS));
      const out: LibraryDocument[] = [];
      for (const c of candidates()) {
        if (out.length >= wanted) break;
        if (await stat(c.path).then((s) => s.isFile(), () => false)) out.push(c.doc);
      }
      return out;
    },
    async file(id) {
      const { path, file } = await find(id);
      const info = await stat(path);
      return { path, bytes: info.size, mimeType: mimeTypeFor(file.format as SniffedType), name: basename(path) };
    },
    async render(id, page, size) {
      const { path, file, mtimeMs } = await find(id);
      if (!Number.isInteger(page) || page < 1 || page > Math.max(1, file.pages)) throw invalidRequest(`page must be 1 to ${Math.max(1, file.pages)}`);
      return { jpeg: await renders.render({ path, format: file.format, mtimeMs, page, size }) };
    },
    async remove(id) {
      let found;
      try {
        found = await find(id);
      } catch (error) {
        if (error instanceof ScanError && error.code === 'NotFound') return false;
        throw error;
      }
      await unlink(found.path);
      renders.forget(found.path);
      deps.logger.info({ document: id, location: found.doc.location }, 'document deleted from the library');
      return true;
    },
    targets: () => deps.targetNames(),
    async resend(id, targetName): Promise<TargetDeliveryResult> {
      const target = deps.targets.byName(targetName);
      if (!target) throw new ScanError('NotFound', `no target "${targetName}"`);
      const { path, file, doc, scannerName } = await find(id);
      const format = file.format as DocumentFormat;
      const bytes = (await stat(path)).size;
      const outcome = await deps.deliveries.submit(
        { path, format, extension: extensionFor(format), mimeType: mimeTypeFor(format), firstPage: 1, pages: file.pages, bytes },
        target,
        { jobId: doc.job, scannerId: doc.scanner, scannerName, createdAt: new Date(doc.created_at) },
      );
      deps.logger.info({ document: id, target: targetName, status: outcome.status }, 'document sent again');
      const { stored: _stored, ...result } = outcome;
      return result;
    },
  };
}
