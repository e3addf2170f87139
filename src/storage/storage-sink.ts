/** Storage as a job sink: pages are spooled, then built into documents and handed to the job's targets. */
import type { JobSink, SinkJob } from '../core/job-sink.js';
import type { DeliveryQueue } from './delivery/delivery-queue.js';
import type { DocumentOptions } from './document-options.js';
import type { JobStorage } from './job-storage.js';
import type { StorageTarget } from './target.js';

/** What one job's storage sink writes to. */
export interface StorageSinkOptions {
  storage: JobStorage;
  /** The targets that get the job's documents. */
  targets: readonly StorageTarget[];
  /** The outbox that keeps documents a target could not take yet; without it any target failure fails the job. */
  deliveries?: DeliveryQueue;
  /** Duplex order, blank pages, PDF title... for this job (its title may name the job). */
  documentFor?: (job: SinkJob) => DocumentOptions | undefined;
}

/** A sink that stores every job it opens to the given targets. */
export function createStorageSink({ storage, targets, deliveries, documentFor }: StorageSinkOptions): JobSink {
  return {
    // Refused before the scanner moves paper: nothing is scanned that could not be kept.
    ready: () => storage.checkFreeSpace(),
    open(job) {
      const document = documentFor?.(job);
      const session = storage.begin({ jobId: job.id, scannerId: job.scannerId, scannerName: job.scannerName, settings: job.settings, createdAt: job.createdAt, ...(document ? { document } : {}) });
      return {
        addPage: (page, onProgress) => session.addPage(page, onProgress),
        finish: () => session.finishJob(targets, deliveries),
        abort: () => session.abort(),
      };
    },
  };
}
