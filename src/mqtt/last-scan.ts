/** The retained `<base>/<id>/last_scan` summary (read by HA's last-scan sensors, and by anyone). Pure. */
import type { JobEvent } from '../core/job.js';

/**
 * What the last finished scan produced. Kept on its own retained topic (not read from the
 * scanner state's `job`) so the sensors keep their value while the next job runs.
 */
export interface LastScanSummary {
  finished_at: string;
  pages: number;
  /** Where the last stored file is (inside its storage folder, or the target's own location), or null when none. */
  file: string | null;
  files: string[];
  job: string;
}

/** The summary of a job that finished successfully, or undefined for any other job state. */
export function lastScanSummaryOf(job: JobEvent | null | undefined): LastScanSummary | undefined {
  if (!job || job.state !== 'done') return undefined;
  // Never the gateway's absolute local path where the target said where the file is for users.
  const stored = job.stored ?? [];
  const files = stored.length > 0 ? stored.map((s) => s.location ?? s.path) : [...job.files];
  return {
    finished_at: job.finished_at ?? job.created_at,
    pages: job.pages,
    file: files.at(-1) ?? null,
    files,
    job: job.id,
  };
}
