/** What a job's storage produced, per target and as the job event shows it. Pure. */
import type { JobStorageResult, StoredFile } from '../core/job.js';
import type { DeliveryOutcome } from './delivery/delivery-queue.js';

/** What one target did with the job's documents, for the job event (`targets: [...]`). */
export interface TargetDelivery {
  target: string;
  /** delivered: all documents arrived; spooled: kept in the outbox and retried; failed: needs the operator. */
  status: 'delivered' | 'spooled' | 'failed';
  files: StoredFile[];
  error?: string;
  /** Outbox ids of the documents kept for this target. */
  outbox?: string[];
  nextAttemptAt?: string;
}

/** The outcome of a finished job's storage. */
export interface FinishResult {
  /** Files every target reported (folder paths, WebDAV URLs, paperless task references...). */
  stored: StoredFile[];
  targets: TargetDelivery[];
  /** Reading-order numbers of pages dropped as blank. */
  removedBlankPages: number[];
  /** Pages in the stored document(s). */
  pages: number;
}

/** One target's summary from the outcomes of its documents: the worst status wins, every stored file is listed. */
export function summarizeTarget(target: string, outcomes: readonly DeliveryOutcome[]): TargetDelivery {
  const files = outcomes.flatMap((o) => (o.status === 'delivered' ? o.stored : []));
  const outbox = outcomes.flatMap((o) => (o.status !== 'delivered' && o.id !== undefined ? [o.id] : []));
  const failed = outcomes.find((o) => o.status === 'failed');
  const spooled = outcomes.find((o) => o.status === 'spooled');
  const worst = failed ?? spooled;
  if (worst === undefined) return { target, status: 'delivered', files };
  return {
    target,
    status: worst.status,
    files,
    error: worst.error,
    ...(outbox.length > 0 ? { outbox } : {}),
    ...(spooled?.status === 'spooled' ? { nextAttemptAt: spooled.nextAttemptAt } : {}),
  };
}

/** The storage layer's finish result in the job event's terms (snake_case, as published). */
export function toJobStorageResult(result: FinishResult): JobStorageResult {
  return {
    stored: result.stored,
    targets: result.targets.map((t) => ({
      target: t.target,
      status: t.status,
      ...(t.error ? { error: t.error } : {}),
      ...(t.outbox && t.outbox.length > 0 ? { outbox: t.outbox } : {}),
      ...(t.nextAttemptAt ? { next_attempt_at: t.nextAttemptAt } : {}),
    })),
    removed_blank_pages: result.removedBlankPages,
  };
}
