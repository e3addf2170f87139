/** The simulated device's job records and the transitions a real device makes. */
import type { ResolvedScan } from './resolve-settings.js';

/** pwg:JobState values the simulator uses (PROTOCOLS.md A.6). */
export type SimJobState = 'Processing' | 'Completed' | 'Canceled' | 'Aborted';

/** One job as the device remembers it; tests read these to check DELETE hygiene. */
export interface SimJob {
  /** Last path segment of the job URI (uuid, integer or urn:uuid:… by Location style). */
  readonly id: string;
  /** Path part of the job URI, as listed in pwg:JobUri. */
  readonly uri: string;
  readonly uuid: string;
  readonly scan: ResolvedScan;
  readonly createdAt: number;
  state: SimJobState;
  reasons: string[];
  /** Pages handed out by NextDocument (fully or partly sent). */
  imagesCompleted: number;
  /** Pages this job can still hand out (platen: 1 until sent; ADF: taken from the feeder). */
  imagesToTransfer: number;
  /** Back side of the sheet just scanned, for duplex jobs. */
  backSidePending: boolean;
  deleted: boolean;
  deletedAt?: number;
  endedAt?: number;
}

/** Creates the record of a freshly accepted job. */
export function newSimJob(id: string, uri: string, uuid: string, scan: ResolvedScan, now: number, feederPages: number): SimJob {
  return {
    id,
    uri,
    uuid,
    scan,
    createdAt: now,
    state: 'Processing',
    reasons: ['JobScanning'],
    imagesCompleted: 0,
    imagesToTransfer: scan.feeder ? feederPages : 1,
    backSidePending: false,
    deleted: false,
  };
}

/** True while the job still occupies the scanner (a new ScanJobs gets 503). */
export function isActive(job: SimJob): boolean {
  return job.state === 'Processing' && !job.deleted;
}

/** Moves a job to a final state with its reason. */
export function finishJob(job: SimJob, state: Exclude<SimJobState, 'Processing'>, reason: string, now: number): void {
  if (job.state !== 'Processing') return;
  job.state = state;
  job.reasons = [reason];
  job.endedAt = now;
  job.imagesToTransfer = 0;
}

/** Records a DELETE: a running job is cancelled, a finished one is forgotten by the status list. */
export function deleteJob(job: SimJob, now: number): void {
  finishJob(job, 'Canceled', 'JobCanceledByUser', now);
  job.deleted = true;
  job.deletedAt = now;
}

/** Whether ScannerStatus still lists the job (finished-then-deleted jobs are removed). */
export function isListed(job: SimJob): boolean {
  return !job.deleted || job.state === 'Canceled';
}
