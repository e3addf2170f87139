/** The delivery outbox as the gateway API shows it: snake_case, as published on the bridge topics. */
import type { DeliveryRetryView, DeliveryView } from '../../core/gateway-api.js';
import type { DeliveryQueue } from './delivery-queue.js';

/** The outbox operations behind `bridge/request/delivery/*`. */
export interface DeliveryViews {
  list(): DeliveryView[];
  /** False when there is no waiting delivery with that id. */
  drop(id: string): Promise<boolean>;
  /** Retries one waiting delivery, or all without an id. */
  retry(id?: string): Promise<DeliveryRetryView[]>;
}

/** Wraps the delivery queue in its published views. */
export function deliveryViews(queue: DeliveryQueue): DeliveryViews {
  return {
    list: () =>
      queue.list().map((d) => ({
        id: d.id,
        target: d.target,
        state: d.state,
        job: d.jobId,
        scanner: d.scannerId,
        pages: d.pages,
        bytes: d.bytes,
        attempts: d.attempts,
        ...(d.lastError !== undefined ? { last_error: d.lastError } : {}),
        ...(d.nextAttemptAt !== undefined ? { next_attempt_at: d.nextAttemptAt } : {}),
        created_at: d.createdAt,
      })),
    drop: async (id) => {
      if (!queue.list().some((d) => d.id === id)) return false;
      await queue.drop(id);
      return true;
    },
    retry: async (id) =>
      (id === undefined ? await queue.retryAll() : [await queue.retry(id)]).map((r) => ({
        id: r.id,
        target: r.target,
        status: r.status,
        ...(r.error !== undefined ? { error: r.error } : {}),
        ...(r.nextAttemptAt !== undefined ? { next_attempt_at: r.nextAttemptAt } : {}),
      })),
  };
}
