/** One job at a time per scanner, with a FIFO queue behind it. */
import { ScanError } from '../core/errors.js';
import type { ScanJob } from './scan-job.js';

/** Most jobs that may wait behind the running one; more are refused rather than piled up. */
export const MAX_QUEUED_JOBS = 20;

/** Runs a job to its end; must never reject (the runner records failures on the job). */
export type JobExecutor = (job: ScanJob) => Promise<void>;

/** The queue of one scanner. */
export class JobQueue {
  private readonly waiting: ScanJob[] = [];
  private active: ScanJob | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly execute: JobExecutor) {}

  /** The job being run now, if any. */
  get running(): ScanJob | undefined {
    return this.active;
  }

  /** How many jobs wait behind the running one. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Adds a job; it starts at once when the scanner is free. */
  enqueue(job: ScanJob): void {
    if (this.waiting.length >= MAX_QUEUED_JOBS) {
      throw new ScanError('DeviceBusy', `scanner has ${MAX_QUEUED_JOBS} jobs waiting already`);
    }
    this.waiting.push(job);
    this.pump();
  }

  /** Cancels the running job, or a queued one by id. Returns false when none matched. */
  cancel(jobId?: string): boolean {
    if (jobId === undefined || this.active?.id === jobId) {
      if (this.active && !this.active.finished) {
        this.active.cancel();
        return true;
      }
      if (jobId !== undefined) return false;
    }
    const index = this.waiting.findIndex((j) => jobId === undefined || j.id === jobId);
    if (index < 0) return false;
    const [job] = this.waiting.splice(index, 1);
    job?.cancel();
    return true;
  }

  /** Cancels everything (shutdown, device removed) and waits for the running job to settle. */
  async cancelAll(reason: string): Promise<void> {
    for (const job of this.waiting.splice(0)) job.cancel(reason);
    this.active?.cancel(reason);
    await this.whenIdle();
  }

  /** Resolves when no job is running. */
  whenIdle(): Promise<void> {
    if (!this.active) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    if (this.active) return;
    const next = this.waiting.shift();
    if (!next) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
      return;
    }
    if (next.finished) return this.pump();
    this.active = next;
    void this.execute(next).finally(() => {
      this.active = undefined;
      this.pump();
    });
  }
}
