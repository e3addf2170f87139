/** What a job's storage produced, per target and for the whole job. Pure. */
import type { JobStorageResult, TargetDelivery, TargetDeliveryResult } from '../core/job.js';

/** The outcome of a finished job's storage: the job event's fields, and the pages the documents hold. */
export interface FinishResult extends JobStorageResult {
  targets: TargetDeliveryResult[];
  /** Reading-order numbers of pages dropped as blank. */
  removed_blank_pages: number[];
  /** Pages in the stored document(s). */
  pages: number;
}

/** One target's result from the results of its documents: the worst status wins, every stored file and outbox id is listed. */
export function summarizeTarget(target: string, outcomes: readonly TargetDelivery[]): TargetDelivery {
  const stored = outcomes.flatMap((o) => o.stored);
  const outbox = outcomes.flatMap((o) => (o.status !== 'delivered' ? (o.outbox ?? []) : []));
  const failed = outcomes.find((o) => o.status === 'failed');
  const spooled = outcomes.find((o) => o.status === 'spooled');
  const worst = failed ?? spooled;
  if (worst === undefined) return { target, status: 'delivered', stored };
  return {
    target,
    status: worst.status,
    ...(worst.error ? { error: worst.error } : {}),
    ...(outbox.length > 0 ? { outbox } : {}),
    ...(spooled?.next_attempt_at ? { next_attempt_at: spooled.next_attempt_at } : {}),
    stored,
  };
}

/** A target's result as the job event publishes it: its files are listed once, under the job's `stored`. */
export function publishedDelivery({ stored: _files, ...result }: TargetDelivery): TargetDeliveryResult {
  return result;
}
