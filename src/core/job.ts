/** Scan jobs: states, the transitions allowed between them, and the event published for each. */
import type { ErrorCode } from './errors.js';
import type { ScanSettings } from './settings.js';

/** Lifecycle of one job. */
export type JobState = 'queued' | 'scanning' | 'storing' | 'done' | 'failed' | 'cancelled';

/** States a job never leaves. */
export const FINAL_JOB_STATES: readonly JobState[] = ['done', 'failed', 'cancelled'];

const ALLOWED: Record<JobState, readonly JobState[]> = {
  queued: ['scanning', 'failed', 'cancelled'],
  scanning: ['storing', 'failed', 'cancelled'],
  storing: ['scanning', 'done', 'failed', 'cancelled'],
  done: [],
  failed: [],
  cancelled: [],
};

/** True when a job may move from `from` to `to`. */
export function canTransition(from: JobState, to: JobState): boolean {
  return ALLOWED[from].includes(to);
}

/** A file the job stored. */
export interface StoredFile {
  path: string;
  /**
   * Where the file is as users see it, relative to its folder target's root (`office/x.pdf`);
   * left out by targets whose `path` already names their own location (a URL, `mqtt:<topic>`).
   */
  location?: string;
  format: string;
  bytes: number;
  pages: number;
}

/**
 * How one storage target took a job's documents (or one document): the one delivery result,
 * from the delivery queue through the job storage to the published job event.
 */
export interface TargetDeliveryResult {
  target: string;
  /** delivered: arrived; spooled: kept on disk and retried until it arrives; failed: needs the operator. */
  status: 'delivered' | 'spooled' | 'failed';
  error?: string;
  /** Outbox ids of documents kept for a retry or for the operator (bridge request `delivery/drop`). */
  outbox?: string[];
  next_attempt_at?: string;
}

/** A delivery result with the files that target stored; the job event lists those under `stored`, not per target. */
export interface TargetDelivery extends TargetDeliveryResult {
  stored: StoredFile[];
}

/** What storing a job produced. */
export interface JobStorageResult {
  stored: StoredFile[];
  targets?: TargetDeliveryResult[];
  /** Reading-order numbers of pages dropped as blank. */
  removed_blank_pages?: number[];
}

/** The payload of `scan2mqtt/<id>/job` and the `job` field of the scanner state. */
export interface JobEvent {
  id: string;
  scanner: string;
  state: JobState;
  pages: number;
  /** Bytes of the page being received, for progress bars. */
  bytes_received?: number;
  /** Total bytes received so far in this job. */
  bytes_total?: number;
  files: string[];
  /** True on a failed job that still stored its complete pages (the device broke the batch off). */
  partial?: boolean;
  stored?: StoredFile[];
  /** Per storage target: delivered, spooled for retry, or failed. */
  targets?: TargetDeliveryResult[];
  removed_blank_pages?: number[];
  settings?: ScanSettings;
  /** Values changed to fit the scanner (profile adaptation), e.g. `resolution 1200 -> 600`. */
  adapted?: string[];
  error?: { code: ErrorCode; message: string };
  trigger?: 'command' | 'bridge' | 'button' | 'schedule' | 'homeassistant' | 'escl' | 'web';
  created_at: string;
  finished_at?: string;
}
