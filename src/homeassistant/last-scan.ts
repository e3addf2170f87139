/** The retained `<base>/<id>/last_scan` summary behind HA's last-scan sensors. Pure. */
import type { JobEvent } from '../core/job.js';

/**
 * What the last finished scan produced. Kept on its own retained topic (not read from the
 * scanner state's `job`) so the sensors keep their value while the next job runs.
 */
export interface LastScanSummary {
  finished_at: string;
  pages: number;
  /** Path of the last stored file, or null when the job stored none. */
  file: string | null;
  files: string[];
  job: string;
}

/** The summary of a job that finished successfully, or undefined for any other job state. */
export function lastScanSummaryOf(job: JobEvent | null | undefined): LastScanSummary | undefined {
  if (!job || job.state !== 'done') return undefined;
  const files = job.files.length > 0 ? [...job.files] : (job.stored ?? []).map((s) => s.path);
  return {
    finished_at: job.finished_at ?? job.created_at,
    pages: job.pages,
    file: files.at(-1) ?? null,
    files,
    job: job.id,
  };
}
