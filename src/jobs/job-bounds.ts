/**
 * Bounds on what a device can make one job do, whatever its protocol: how many pages,
 * how many bytes, and how slowly a page may arrive. A faulty or hostile device (an ADF
 * that never reports empty, a page trickling at 1 byte/s) must not fill the disk or
 * hold the scanner's queue for hours.
 */
import { ScanError } from '../core/errors.js';

/** Pages one job may deliver (`scan.max_pages`); a real batch is a feeder's worth, far below. */
export const DEFAULT_MAX_PAGES = 500;
/** Bytes one job may deliver (`scan.max_job_mb`): 500 colour pages at 600 dpi fit many times over. */
export const DEFAULT_MAX_JOB_MB = 10_240;
/**
 * Slowest a page may arrive on average once its grace time is spent (`scan.min_page_bytes_per_s`).
 * Counted in bytes from the device (SANE: raw pixels); 1 KiB/s is far below any working link.
 */
export const DEFAULT_MIN_PAGE_BYTES_PER_S = 1024;
/** Time every page gets before the throughput counts (`scan.page_grace_s`): a slow scan head's start. */
export const DEFAULT_PAGE_GRACE_S = 120;

/** The bounds of one job. */
export interface JobBounds {
  maxPages: number;
  maxJobBytes: number;
  minPageBytesPerSecond: number;
  pageGraceMs: number;
}

/** The bounds a job gets when the configuration says nothing. */
export const DEFAULT_JOB_BOUNDS: Readonly<JobBounds> = {
  maxPages: DEFAULT_MAX_PAGES,
  maxJobBytes: DEFAULT_MAX_JOB_MB * 1024 * 1024,
  minPageBytesPerSecond: DEFAULT_MIN_PAGE_BYTES_PER_S,
  pageGraceMs: DEFAULT_PAGE_GRACE_S * 1000,
};

/** The error a job ends with when the device sent one page more than allowed. */
export function tooManyPages(bounds: JobBounds): ScanError {
  return new ScanError('LimitExceeded', `the scanner sent more than ${bounds.maxPages} pages (scan.max_pages); job cancelled, nothing stored`);
}

/** The error a job ends with when the device sent more bytes than allowed. */
export function tooManyBytes(bounds: JobBounds): ScanError {
  return new ScanError('LimitExceeded', `the scanner sent more than ${bounds.maxJobBytes} bytes (scan.max_job_mb); job cancelled, nothing stored`);
}

/**
 * The deadline of one page: it must be complete by `grace + bytes / rate` after it began,
 * so a page arriving at the minimum rate or faster never expires, and a stalled or
 * trickling one does. One timer, re-armed only when it fires early: no work per chunk.
 */
export class PageDeadline {
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bounds: JobBounds,
    private readonly pageIndex: number,
    /** Bytes of this page received from the device so far. */
    private readonly received: () => number,
    private readonly onExpired: (error: ScanError) => void,
  ) {
    this.arm();
  }

  /** Stops watching (the page is complete, or the job ended). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private deadline(): number {
    return this.startedAt + this.bounds.pageGraceMs + (this.received() * 1000) / this.bounds.minPageBytesPerSecond;
  }

  private arm(): void {
    const wait = this.deadline() - Date.now();
    if (wait <= 0) return this.expire();
    this.timer = setTimeout(() => this.arm(), wait);
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const seconds = Math.round((Date.now() - this.startedAt) / 1000);
    this.onExpired(
      new ScanError(
        'Timeout',
        `page ${this.pageIndex} arrived too slowly: ${this.received()} bytes in ${seconds} s, below ${this.bounds.minPageBytesPerSecond} bytes/s after ${this.bounds.pageGraceMs / 1000} s of grace (scan.min_page_bytes_per_s, scan.page_grace_s)`,
      ),
    );
  }
}

/** The `scan` config keys the bounds come from (units as configured: MiB, seconds). */
export interface JobBoundsSettings {
  max_pages: number;
  max_job_mb: number;
  min_page_bytes_per_s: number;
  page_grace_s: number;
}

/** The bounds the `scan` config section sets. */
export function jobBoundsFromSettings(s: JobBoundsSettings): JobBounds {
  return { maxPages: s.max_pages, maxJobBytes: s.max_job_mb * 1024 * 1024, minPageBytesPerSecond: s.min_page_bytes_per_s, pageGraceMs: s.page_grace_s * 1000 };
}
