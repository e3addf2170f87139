/**
 * Where a job's pages go, chosen by whoever submitted the job: storage (the default, from the
 * job's profile targets), an eSCL client's HTTP response, a preview. The job queue stays the only
 * owner of the device; a sink only receives what the device sent.
 */
import type { JobStorageResult } from './job.js';
import type { ScannedPage } from './scanner.js';
import type { ScanSettings } from './settings.js';

/** The job a sink session belongs to. */
export interface SinkJob {
  readonly id: string;
  readonly scannerId: string;
  readonly scannerName: string;
  readonly settings: ScanSettings;
  readonly createdAt: Date;
}

/** One job's pages on their way into a sink. */
export interface JobSinkSession {
  /** Takes one page as it streams in; calls onProgress(bytesOfThisPage). Rejects when the page cannot be kept. */
  addPage(page: ScannedPage, onProgress?: (bytes: number) => void): Promise<unknown>;
  /** All pages are in: makes the result (documents stored, a response sent) and says what it produced. */
  finish(): Promise<JobStorageResult>;
  /** The job ended without a result: drops whatever was taken. */
  abort(): Promise<void>;
}

/** Opens a session per job. */
export interface JobSink {
  /** Rejects (e.g. InsufficientStorage) when the sink cannot take a job now; checked before the scanner moves paper. */
  ready?(): Promise<void>;
  /** Starts one job; nothing is kept until its first page. */
  open(job: SinkJob): JobSinkSession;
}
