/**
 * Runs one job: pages from the driver stream into storage as they arrive, then the
 * document is assembled and delivered. Owns the job's states; protocols only yield pages.
 */
import { ScanError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ScannerDriver } from '../core/scanner.js';
import type { JobStorageResult, StoredFile } from '../core/job.js';
import type { ScanJob } from './scan-job.js';

/** How often progress events may be published while bytes arrive. */
export const PROGRESS_INTERVAL_MS = 500;
/** A job running longer than this is cancelled; big ADF batches at high dpi take many minutes. */
export const MAX_JOB_DURATION_MS = 60 * 60 * 1000;

/** Storage as the runner sees it (implemented in src/storage). */
export interface JobStorageSessionLike {
  addPage(page: import('../core/scanner.js').ScannedPage, onProgress?: (bytes: number) => void): Promise<unknown>;
  finish(): Promise<JobStorageResult>;
  abort(): Promise<void>;
}

/** What the runner needs for one job. */
export interface RunScanJobDeps {
  driver: ScannerDriver;
  openStorage: (job: ScanJob) => JobStorageSessionLike;
  logger: Logger;
  progressIntervalMs?: number;
  maxDurationMs?: number;
  /** Called after the job is done, with the storage session still holding its pages (for previews). */
  onDone?: (job: ScanJob, stored: StoredFile[]) => void;
}

/** Runs the job to its end. Never rejects: every failure is recorded on the job. */
export async function runScanJob(job: ScanJob, deps: RunScanJobDeps): Promise<void> {
  if (job.finished) return;
  const log = deps.logger.child({ job: job.id });
  const interval = deps.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
  const timeout = setTimeout(
    () => job.controller.abort(new ScanError('Timeout', 'job took longer than the maximum duration')),
    deps.maxDurationMs ?? MAX_JOB_DURATION_MS,
  );
  timeout.unref();
  let storage: JobStorageSessionLike | undefined;
  try {
    job.transition('scanning');
    storage = deps.openStorage(job);
    let pages = 0;
    let bytesTotal = 0;
    let lastEmit = 0;
    for await (const page of deps.driver.scan(job.settings, job.signal)) {
      let pageBytes = 0;
      await storage.addPage(page, (bytes) => {
        bytesTotal += bytes - pageBytes;
        pageBytes = bytes;
        const now = Date.now();
        if (now - lastEmit >= interval) {
          lastEmit = now;
          job.progress({ pages, bytes_received: pageBytes, bytes_total: bytesTotal });
        }
      });
      pages += 1;
      job.progress({ pages, bytes_received: pageBytes, bytes_total: bytesTotal });
      log.debug({ page: page.index, bytes: pageBytes }, 'page received');
    }
    throwIfAborted(job.signal);
    if (pages === 0) throw new ScanError('DeviceError', 'the scanner delivered no pages');
    job.transition('storing', { pages });
    const result = await storage.finish();
    const stored = result.stored;
    job.complete(result);
    deps.onDone?.(job, stored);
    log.info({ pages, files: stored.map((f) => f.path) }, 'job done');
  } catch (error) {
    const reason = job.signal.aborted ? job.signal.reason : error;
    await storage?.abort().catch((e: unknown) => log.warn({ err: e }, 'could not clean up spooled pages'));
    job.fail(reason instanceof ScanError ? reason : error);
    log.warn({ state: job.state, error: job.event.error }, 'job ended without files');
  } finally {
    clearTimeout(timeout);
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new ScanError('Cancelled', 'cancelled');
}
