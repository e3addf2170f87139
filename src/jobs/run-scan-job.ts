/**
 * Runs one job: pages from the driver stream into the job's sink (storage, by default) as they
 * arrive, then the sink makes its result (documents assembled and delivered). Owns the job's states; protocols only yield pages.
 */
import { PartlyStoredError, ScanError, type ErrorCode } from '../core/errors.js';
import type { DeviceJob } from '../core/device-events.js';
import type { Logger } from '../core/logger.js';
import type { ScannedPage, ScannerDriver } from '../core/scanner.js';
import type { JobSink, JobSinkSession } from '../core/job-sink.js';
import { DEFAULT_JOB_BOUNDS, PageDeadline, tooManyBytes, tooManyPages, type JobBounds } from './job-bounds.js';
import type { ScanJob } from './scan-job.js';

/** How often progress events may be published while bytes arrive. */
export const PROGRESS_INTERVAL_MS = 500;
/** A job running longer than this is cancelled; big ADF batches at high dpi take many minutes. */
export const MAX_JOB_DURATION_MS = 60 * 60 * 1000;

/** What the runner needs for one job. */
export interface RunScanJobDeps {
  driver: ScannerDriver;
  /** Where the job's pages go (storage unless the submitter chose another sink). */
  sink: JobSink;
  logger: Logger;
  progressIntervalMs?: number;
  maxDurationMs?: number;
  /** Pages, bytes and page throughput one job may use (DEFAULT_JOB_BOUNDS for what is not given). */
  bounds?: Partial<JobBounds>;
  /** Store the complete pages of a batch the device broke off (`scan.keep_partial`, default true). */
  keepPartial?: boolean;
  /** The device's side of a button-started scan, handed to the driver. */
  deviceJob?: DeviceJob;
}

/** Runs the job to its end. Never rejects: every failure is recorded on the job. */
export async function runScanJob(job: ScanJob, deps: RunScanJobDeps): Promise<void> {
  if (job.finished) return;
  const log = deps.logger.child({ job: job.id });
  const bounds: JobBounds = { ...DEFAULT_JOB_BOUNDS, ...deps.bounds };
  const timeout = setTimeout(
    () => job.controller.abort(new ScanError('Timeout', 'job took longer than the maximum duration')),
    deps.maxDurationMs ?? MAX_JOB_DURATION_MS,
  );
  timeout.unref();
  let session: JobSinkSession | undefined;
  const tally = { pages: 0, bytesTotal: 0, lastEmit: 0 };
  try {
    job.transition('scanning');
    session = deps.sink.open(job);
    const pages = deps.deviceJob ? deps.driver.scan(job.settings, job.signal, deps.deviceJob) : deps.driver.scan(job.settings, job.signal);
    for await (const page of pages) {
      if (tally.pages >= bounds.maxPages) {
        // Breaking out ends the driver's job: eSCL DELETEs it, SANE CANCELs it.
        job.controller.abort(tooManyPages(bounds));
        page.data.destroy();
        break;
      }
      const pageBytes = await receivePage(job, page, session, bounds, tally, deps.progressIntervalMs ?? PROGRESS_INTERVAL_MS);
      tally.pages += 1;
      job.progress({ pages: tally.pages, bytes_received: pageBytes, bytes_total: tally.bytesTotal });
      log.debug({ page: page.index, bytes: pageBytes }, 'page received');
    }
    throwIfAborted(job.signal);
    if (tally.pages === 0) throw new ScanError('DeviceError', 'the scanner delivered no pages');
    job.transition('storing', { pages: tally.pages });
    const result = await session.finish();
    const stored = result.stored;
    job.complete(result);
    log.info({ pages: tally.pages, files: stored.map((f) => f.path) }, 'job done');
  } catch (error) {
    const reason = job.signal.aborted ? job.signal.reason : error;
    const failure = reason instanceof ScanError ? reason : error;
    const keep = (deps.keepPartial ?? true) && session !== undefined && tally.pages > 0 && keepsCompletePages(failure);
    if (keep && session && (await storePartial(job, session, failure, tally.pages, log))) return;
    await session?.abort().catch((e: unknown) => log.warn({ err: e }, 'could not clean up spooled pages'));
    job.fail(failure);
    log.warn({ state: job.state, error: job.event.error }, 'job ended without files');
  } finally {
    clearTimeout(timeout);
  }
}

/** Running totals of one job. */
interface JobTally {
  pages: number;
  bytesTotal: number;
  lastEmit: number;
}

/**
 * Streams one page into the sink under the page deadline and the job's byte bound; either
 * bound, or a cancel, aborts the job and ends the page stream at once. Resolves with the page's bytes.
 */
async function receivePage(job: ScanJob, page: ScannedPage, session: JobSinkSession, bounds: JobBounds, tally: JobTally, interval: number): Promise<number> {
  throwIfAborted(job.signal);
  let pageBytes = 0;
  const deadline = new PageDeadline(bounds, page.index, () => page.bytesReceived?.() ?? pageBytes, (error) => job.controller.abort(error));
  const endStream = () => page.data.destroy(job.signal.reason instanceof Error ? job.signal.reason : undefined);
  job.signal.addEventListener('abort', endStream, { once: true });
  try {
    await session.addPage(page, (bytes) => {
      tally.bytesTotal += bytes - pageBytes;
      pageBytes = bytes;
      if (tally.bytesTotal > bounds.maxJobBytes) job.controller.abort(tooManyBytes(bounds));
      const now = Date.now();
      if (now - tally.lastEmit >= interval) {
        tally.lastEmit = now;
        job.progress({ pages: tally.pages, bytes_received: pageBytes, bytes_total: tally.bytesTotal });
      }
    });
    throwIfAborted(job.signal);
    return pageBytes;
  } finally {
    deadline.stop();
    job.signal.removeEventListener('abort', endStream);
  }
}

/**
 * Failures of the device (jam, gone, too slow) after which the complete pages are worth
 * keeping: those sheets have left the feeder. A cancel, a bound (LimitExceeded: the
 * device is not to be trusted) or a storage fault stores nothing.
 */
const DEVICE_FAILURES: readonly ErrorCode[] = ['DeviceOffline', 'DeviceBusy', 'DeviceError', 'AdfJam', 'AdfEmpty', 'CoverOpen', 'ProtocolError', 'Timeout'];

function keepsCompletePages(failure: unknown): boolean {
  return failure instanceof ScanError && DEVICE_FAILURES.includes(failure.code);
}

/** Stores the complete pages of a failed job; false when even that failed (then nothing is kept). */
async function storePartial(job: ScanJob, session: JobSinkSession, failure: unknown, pages: number, log: Logger): Promise<boolean> {
  try {
    job.transition('storing', { pages });
    const result = await session.finish();
    job.failPartial(failure, result);
    log.warn({ pages, files: result.stored.map((f) => f.path), error: job.event.error }, 'job failed; its complete pages are stored');
    return true;
  } catch (error) {
    log.error({ err: error }, 'could not store the complete pages of a failed job');
    // Some of them did land under final names: the event must still list exactly those.
    if (error instanceof PartlyStoredError) {
      job.failPartial(failure, error.result);
      return true;
    }
    return false;
  }
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new ScanError('Cancelled', 'cancelled');
}
