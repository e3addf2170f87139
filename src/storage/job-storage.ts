/** Stores the pages of a scan job as finished files: spool each page, build documents, hand them to targets. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanError } from '../core/errors.js';
import type { StoredFile } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import type { ScannedPage } from '../core/scanner.js';
import type { ScanSettings } from '../core/settings.js';
import { buildDocuments } from './documents/build-documents.js';
import { spoolPage } from './spool-page.js';
import type { SpooledPage } from './spooled-page.js';
import { storageFailure } from './storage-errors.js';
import type { DeliveryContext, StorageTarget } from './target.js';

export type { SpooledPage } from './spooled-page.js';

/** Largest single page accepted by default: far above a 1200 dpi A3 colour JPEG, low enough to stop a runaway stream. */
export const DEFAULT_MAX_PAGE_BYTES = 2 * 1024 ** 3;

/** Options of the job storage. */
export interface JobStorageOptions {
  /** Folder for work in progress, e.g. `<data>/spool/tmp`; created if missing. */
  spoolFolder: string;
  logger: Logger;
  /** Per-page byte limit; defaults to DEFAULT_MAX_PAGE_BYTES. */
  maxPageBytes?: number;
}

/** The job a storage session belongs to. */
export interface JobInfo {
  jobId: string;
  scannerId: string;
  scannerName: string;
  settings: ScanSettings;
  createdAt: Date;
}

/** Opens a storage session per job. */
export interface JobStorage {
  /** Starts storing one job; nothing touches the disk until its first page. */
  begin(job: JobInfo): StorageSession;
}

/** The storage side of one running job. */
export interface StorageSession {
  /** Streams one page to a spool file (never whole in memory), sniffing its real type; calls onProgress(bytesOfThisPage). Rejects (and removes the partial spool file) if the stream errors. */
  addPage(page: ScannedPage, onProgress?: (bytes: number) => void): Promise<SpooledPage>;
  /** Builds the output documents from the spooled pages, hands each to every target, then clears the spool. */
  finish(targets: readonly StorageTarget[]): Promise<StoredFile[]>;
  /** Removes everything spooled; nothing is left under a final name. */
  abort(): Promise<void>;
}

/** Creates the job storage. */
export function createJobStorage(options: JobStorageOptions): JobStorage {
  return { begin: (job) => new JobStorageSession(job, options) };
}

/** Keeps characters that are safe in a folder name (job ids come from users). */
const spoolSafe = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'job';

class JobStorageSession implements StorageSession {
  private readonly pages: SpooledPage[] = [];
  private dir: Promise<string> | undefined;
  private closed = false;
  private readonly logger: Logger;

  constructor(
    private readonly job: JobInfo,
    private readonly options: JobStorageOptions,
  ) {
    this.logger = options.logger.child({ component: 'storage', job: job.jobId });
  }

  /** The job's own spool folder, made on first use. */
  private workDir(): Promise<string> {
    this.dir ??= (async () => {
      try {
        await mkdir(this.options.spoolFolder, { recursive: true });
        return await mkdtemp(join(this.options.spoolFolder, `${spoolSafe(this.job.jobId)}-`));
      } catch (error) {
        throw storageFailure(error, `spool folder ${this.options.spoolFolder}`);
      }
    })();
    return this.dir;
  }

  private ensureOpen(): void {
    if (this.closed) throw new ScanError('Internal', `storage session of job ${this.job.jobId} is already closed`);
  }

  async addPage(page: ScannedPage, onProgress?: (bytes: number) => void): Promise<SpooledPage> {
    this.ensureOpen();
    const spooled = await spoolPage(page, await this.workDir(), this.options.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES, onProgress);
    this.pages.push(spooled);
    this.logger.debug({ page: spooled.index, type: spooled.type, bytes: spooled.bytes }, 'page spooled');
    return spooled;
  }

  async finish(targets: readonly StorageTarget[]): Promise<StoredFile[]> {
    this.ensureOpen();
    this.closed = true;
    try {
      const workDir = await this.workDir();
      const docs = await buildDocuments(this.pages, { settings: this.job.settings, createdAt: this.job.createdAt, workDir, logger: this.logger });
      return await this.deliverAll(docs, targets);
    } finally {
      await this.removeSpool();
    }
  }

  /** Hands every document to every target; one failing target does not stop the others, but the job reports it. */
  private async deliverAll(docs: Awaited<ReturnType<typeof buildDocuments>>, targets: readonly StorageTarget[]): Promise<StoredFile[]> {
    const ctx: DeliveryContext = { jobId: this.job.jobId, scannerId: this.job.scannerId, scannerName: this.job.scannerName, createdAt: this.job.createdAt };
    const stored: StoredFile[] = [];
    let firstError: unknown;
    for (const target of targets) {
      try {
        for (const doc of docs) stored.push(...(await target.deliver(doc, ctx)));
      } catch (error) {
        this.logger.error({ target: target.name, err: error }, 'storage target failed');
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw storageFailure(firstError, `job ${this.job.jobId}`);
    return stored;
  }

  async abort(): Promise<void> {
    this.closed = true;
    await this.removeSpool();
  }

  private async removeSpool(): Promise<void> {
    if (this.dir === undefined) return;
    const dir = await this.dir.catch(() => undefined);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}
