/** Stores the pages of a scan job as finished files: spool each page, build documents, hand them to targets. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PartlyStoredError, ScanError } from '../core/errors.js';
import type { StoredFile, TargetDelivery } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import type { ScannedPage } from '../core/scanner.js';
import type { ScanSettings } from '../core/settings.js';
import type { DeliveryQueue } from './delivery/delivery-queue.js';
import { buildJobDocuments, finishedPdfDocument, pdfInfo, type BuildOptions } from './documents/build-documents.js';
import type { DocumentOptions } from './document-options.js';
import { checkFreeSpace, DEFAULT_MIN_FREE_MB } from './free-space.js';
import { LivePdf } from './live-pdf.js';
import { spoolPage, syncSpoolFile } from './spool-page.js';
import type { SpooledPage } from './spooled-page.js';
import { storageFailure } from './storage-errors.js';
import { publishedDelivery, summarizeTarget, type FinishResult } from './storage-result.js';
import type { DeliveryContext, OutputDocument, StorageTarget } from './target.js';

export type { SpooledPage } from './spooled-page.js';
export type { FinishResult } from './storage-result.js';

/** Largest single page accepted by default: far above a 1200 dpi A3 colour JPEG, low enough to stop a runaway stream. */
export const DEFAULT_MAX_PAGE_BYTES = 2 * 1024 ** 3;

/** Options of the job storage. */
export interface JobStorageOptions {
  /** Folder for work in progress, e.g. `<data>/spool/tmp`; created if missing. */
  spoolFolder: string;
  logger: Logger;
  /** Per-page byte limit; defaults to DEFAULT_MAX_PAGE_BYTES. */
  maxPageBytes?: number;
  /** PATH searched for optional tools (ocrmypdf, tiffcp); the process PATH by default. */
  toolPath?: string;
  /** Free-space floor of the spool's disk in MB (`storage.min_free_mb`); DEFAULT_MIN_FREE_MB when unset, 0 turns it off. */
  minFreeMb?: number;
}

/** The job a storage session belongs to. */
export interface JobInfo {
  jobId: string;
  scannerId: string;
  scannerName: string;
  settings: ScanSettings;
  createdAt: Date;
  /** Duplex order, blank page removal, PDF metadata, OCR, multi-page TIFF. */
  document?: DocumentOptions;
}

/** Opens a storage session per job. */
export interface JobStorage {
  /** Starts storing one job; nothing touches the disk until its first page. */
  begin(job: JobInfo): StorageSession;
  /** Rejects with ScanError('InsufficientStorage') while the spool's disk is below the free-space floor: check before a job starts. */
  checkFreeSpace(): Promise<void>;
}

/** The storage side of one running job. */
export interface StorageSession {
  /** Streams one page to a spool file (never whole in memory), sniffing its real type; calls onProgress(bytesOfThisPage). Rejects (and removes the partial spool file) if the stream errors. */
  addPage(page: ScannedPage, onProgress?: (bytes: number) => void): Promise<SpooledPage>;
  /** Builds the output documents from the spooled pages, hands each to every target, then clears the spool. */
  finish(targets: readonly StorageTarget[], queue?: DeliveryQueue): Promise<StoredFile[]>;
  /**
   * Like finish, with the per-target summary. Without a queue any target failure rejects. With a
   * queue a target that is down or full gets the document from the outbox later (status `spooled`,
   * the job is still done); a permanent failure (bad token, permission denied, too big) rejects
   * with PartlyStoredError naming the target and listing what was stored all the same, and the
   * document stays in the outbox as failed.
   */
  finishJob(targets: readonly StorageTarget[], queue?: DeliveryQueue): Promise<FinishResult>;
  /** Removes everything spooled; nothing is left under a final name. */
  abort(): Promise<void>;
}

/** Creates the job storage. */
export function createJobStorage(options: JobStorageOptions): JobStorage {
  return {
    begin: (job) => new JobStorageSession(job, options),
    checkFreeSpace: () => checkFreeSpace(options.spoolFolder, options.minFreeMb ?? DEFAULT_MIN_FREE_MB, `the data folder's disk (${options.spoolFolder})`),
  };
}

/** Keeps characters that are safe in a folder name (job ids come from users). */
const spoolSafe = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'job';

class JobStorageSession implements StorageSession {
  private readonly pages: SpooledPage[] = [];
  /** fsyncs of spooled pages under way: page N is made durable while page N+1 arrives. */
  private readonly syncs: Promise<void>[] = [];
  private dir: Promise<string> | undefined;
  /** The PDF written as pages arrive, for PDF jobs whose pages need no reordering or removal first. */
  private live: LivePdf | undefined;
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

  /** True when this job's PDF can be written while its pages arrive: pages in delivery order, none dropped. */
  private writesLive(): boolean {
    const doc = this.job.document ?? {};
    return this.job.settings.format === 'pdf' && doc.blankPages === undefined && (doc.duplexOrder ?? 'as-delivered') === 'as-delivered';
  }

  async addPage(page: ScannedPage, onProgress?: (bytes: number) => void): Promise<SpooledPage> {
    this.ensureOpen();
    const workDir = await this.workDir();
    const maxPageBytes = this.options.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES;
    if (this.writesLive()) {
      this.live ??= new LivePdf({ workDir, info: pdfInfo(this.buildOptions(workDir)), colorMode: this.job.settings.color_mode, fallbackResolution: this.job.settings.resolution, maxPageBytes });
      const taken = await this.live.take(page, this.pages.some((p) => p.type === 'pdf'), onProgress);
      if (!('page' in taken)) {
        this.logger.debug({ page: taken.index, bytes: taken.bytes }, 'page written into the PDF');
        return taken;
      }
      page = taken.page;
    }
    const spooled = await spoolPage(page, workDir, maxPageBytes, onProgress);
    this.pages.push(spooled);
    // Only a page stored as it is gets linked into place; one that becomes part of a new file needs no flush.
    if (spooled.type === this.job.settings.format) {
      const sync = syncSpoolFile(spooled.path);
      sync.catch(() => undefined); // awaited in finishJob; this only silences an early rejection
      this.syncs.push(sync);
    }
    this.logger.debug({ page: spooled.index, type: spooled.type, bytes: spooled.bytes }, 'page spooled');
    return spooled;
  }

  async finish(targets: readonly StorageTarget[], queue?: DeliveryQueue): Promise<StoredFile[]> {
    return (await this.finishJob(targets, queue)).stored;
  }

  async finishJob(targets: readonly StorageTarget[], queue?: DeliveryQueue): Promise<FinishResult> {
    this.ensureOpen();
    this.closed = true;
    try {
      const workDir = await this.workDir();
      await this.pagesDurable();
      const built = await this.buildDocuments(workDir);
      const deliveries = queue === undefined ? await this.deliverAll(built.documents, targets) : await this.deliverQueued(built.documents, targets, queue);
      const result: FinishResult = {
        stored: deliveries.flatMap((d) => d.stored),
        targets: deliveries.map(publishedDelivery),
        removed_blank_pages: built.removedBlankPages,
        pages: built.documents.reduce((n, d) => n + d.pages, 0),
      };
      const failed = deliveries.filter((d) => d.status === 'failed');
      if (failed.length > 0) {
        const detail = failed.map((d) => `${d.target}: ${d.error ?? 'failed'}${d.outbox?.length ? ` (kept in the outbox as ${d.outbox.join(', ')})` : ''}`).join('; ');
        const { pages: _pages, ...published } = result;
        throw new PartlyStoredError(`delivery failed: ${detail}`, published);
      }
      return result;
    } finally {
      await this.removeSpool();
    }
  }

  private buildOptions(workDir: string): BuildOptions {
    return {
      settings: this.job.settings,
      createdAt: this.job.createdAt,
      workDir,
      logger: this.logger,
      scannerName: this.job.scannerName,
      ...(this.options.toolPath !== undefined ? { toolPath: this.options.toolPath } : {}),
      ...(this.job.document !== undefined ? { document: this.job.document } : {}),
    };
  }

  /** The job's documents: the live PDF finished with any spooled pages, or built from the spool. */
  private async buildDocuments(workDir: string): Promise<{ documents: OutputDocument[]; removedBlankPages: number[] }> {
    const live = this.live;
    if (live === undefined || !live.started) return buildJobDocuments(this.pages, this.buildOptions(workDir));
    try {
      if (this.pages.some((p) => p.type === 'pdf')) throw new ScanError('Unsupported', 'the device mixed PDF and image pages in one job');
      const summary = await live.finish(this.pages);
      return { documents: [await finishedPdfDocument(live.path, summary.pages, this.buildOptions(workDir))], removedBlankPages: [] };
    } catch (error) {
      await live.discard();
      throw error;
    }
  }

  /** Waits for every page's fsync; a failing one is the disk's fault. */
  private async pagesDurable(): Promise<void> {
    try {
      await Promise.all(this.syncs);
    } catch (error) {
      throw storageFailure(error, `spool folder of job ${this.job.jobId}`);
    }
  }

  private context(): DeliveryContext {
    return { jobId: this.job.jobId, scannerId: this.job.scannerId, scannerName: this.job.scannerName, createdAt: this.job.createdAt };
  }

  /** Hands every document to every target; one failing target does not stop the others, but the job reports it. */
  private async deliverAll(docs: readonly OutputDocument[], targets: readonly StorageTarget[]): Promise<TargetDelivery[]> {
    const ctx = this.context();
    const deliveries: TargetDelivery[] = [];
    let firstError: unknown;
    for (const target of targets) {
      const files: StoredFile[] = [];
      try {
        for (const doc of docs) files.push(...(await target.deliver(doc, ctx)));
        deliveries.push({ target: target.name, status: 'delivered', stored: files });
      } catch (error) {
        this.logger.error({ target: target.name, err: error }, 'storage target failed');
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw storageFailure(firstError, `job ${this.job.jobId}`);
    return deliveries;
  }

  /**
   * Submits every document for every target to the delivery queue. Every document is tried even
   * when one fails, so the summary lists each file that reached its final name.
   */
  private async deliverQueued(docs: readonly OutputDocument[], targets: readonly StorageTarget[], queue: DeliveryQueue): Promise<TargetDelivery[]> {
    const ctx = this.context();
    const deliveries: TargetDelivery[] = [];
    for (const target of targets) {
      const outcomes: TargetDelivery[] = [];
      for (const doc of docs) {
        // Rejects only when even the outbox cannot take the document (its own disk failed).
        const outcome = await queue.submit(doc, target, ctx).catch((error: unknown): TargetDelivery => {
          this.logger.error({ target: target.name, err: error }, 'document neither delivered nor kept in the outbox');
          return { target: target.name, status: 'failed', error: storageFailure(error, `page ${doc.firstPage} for ${target.name}`).message, stored: [] };
        });
        outcomes.push(outcome);
      }
      deliveries.push(summarizeTarget(target.name, outcomes));
    }
    return deliveries;
  }

  async abort(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.syncs);
    await this.live?.discard();
    await this.removeSpool();
  }

  private async removeSpool(): Promise<void> {
    if (this.dir === undefined) return;
    const dir = await this.dir.catch(() => undefined);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}
