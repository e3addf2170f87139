/**
 * Delivers documents to targets and loses none: a delivery that fails for a reason that may pass
 * (server down, disk full) is kept in the on-disk outbox and retried with exponential backoff,
 * also after a restart; one that cannot succeed as is (bad token, too big, permission denied) is
 * kept as `failed` until the operator retries or drops it.
 */
import { randomBytes } from 'node:crypto';
import { ScanError } from '../../core/errors.js';
import type { StoredFile, TargetDelivery } from '../../core/job.js';
import type { Logger } from '../../core/logger.js';
import type { DeliveryContext, OutputDocument, StorageTarget } from '../target.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { isRetryable } from './delivery-error.js';
import { Outbox, type OutboxRecord } from './outbox.js';

/** A delivery waiting in the outbox, as `list()` shows it. */
export interface PendingDelivery {
  id: string;
  target: string;
  state: 'pending' | 'failed';
  jobId: string;
  scannerId: string;
  pages: number;
  bytes: number;
  attempts: number;
  lastError?: string;
  nextAttemptAt?: string;
  createdAt: string;
}

/** What one operator-requested retry did: delivered, or still waiting (pending: retried later; failed: needs the operator). */
export interface RetryOutcome {
  id: string;
  target: string;
  status: 'delivered' | 'pending' | 'failed';
  error?: string;
  nextAttemptAt?: string;
}

/** Options of the delivery queue. */
export interface DeliveryQueueOptions {
  /** The outbox folder, e.g. `<data>/spool/outbox`. */
  folder: string;
  /** Finds a configured target by name (records name their target; configs may change between runs). */
  resolveTarget: (name: string) => StorageTarget | undefined;
  logger: Logger;
  backoff?: Partial<BackoffOptions>;
  /** Called when a spooled delivery finally succeeds. */
  onDelivered?: (delivery: PendingDelivery, stored: StoredFile[]) => void;
  /** Called when a spooled delivery fails for good (and is kept as failed). */
  onFailed?: (delivery: PendingDelivery, error: string) => void;
}

/** Message text of any thrown value. */
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The public view of a record. */
function viewOf(r: OutboxRecord): PendingDelivery {
  return {
    id: r.id,
    target: r.target,
    state: r.state,
    jobId: r.context.jobId,
    scannerId: r.context.scannerId,
    pages: r.document.pages,
    bytes: r.document.bytes,
    attempts: r.attempts,
    ...(r.lastError !== undefined ? { lastError: r.lastError } : {}),
    ...(r.nextAttemptAt !== undefined ? { nextAttemptAt: r.nextAttemptAt } : {}),
    createdAt: r.createdAt,
  };
}

/** The delivery queue; one per gateway. */
export class DeliveryQueue {
  private readonly outbox: Outbox;
  private readonly backoff: BackoffOptions;
  private readonly records = new Map<string, OutboxRecord>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  /** Attempts under way by id: a retry request joins one rather than uploading the same document twice at once. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly logger: Logger;
  private started = false;

  constructor(private readonly options: DeliveryQueueOptions) {
    this.logger = options.logger.child({ component: 'delivery' });
    this.outbox = new Outbox(options.folder, this.logger);
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  /** Loads the outbox and schedules every pending delivery (due ones at once). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const record of await this.outbox.load()) {
      this.records.set(record.id, record);
      if (record.state === 'pending') this.schedule(record);
    }
    if (this.records.size > 0) this.logger.info({ deliveries: this.records.size }, 'delivery outbox loaded');
  }

  /** Stops retrying and waits for attempts under way; records stay on disk for the next start. */
  async stop(): Promise<void> {
    this.started = false;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  /**
   * Delivers `doc` to `target` now; on failure keeps a copy in the outbox (retried when retryable,
   * kept as failed otherwise). Rejects only when even the outbox cannot take the document.
   */
  async submit(doc: OutputDocument, target: StorageTarget, ctx: DeliveryContext): Promise<TargetDelivery> {
    let error: unknown;
    try {
      return { target: target.name, status: 'delivered', stored: await target.deliver(doc, ctx) };
    } catch (e) {
      error = e;
    }
    const retryable = isRetryable(error);
    const now = new Date();
    const record = await this.outbox.add(
      {
        id: `${now.getTime().toString(36)}-${randomBytes(5).toString('hex')}`,
        target: target.name,
        state: retryable ? 'pending' : 'failed',
        attempts: 1,
        lastError: messageOf(error),
        ...(retryable ? { nextAttemptAt: new Date(now.getTime() + backoffDelay(1, this.backoff)).toISOString() } : {}),
        createdAt: now.toISOString(),
        context: { jobId: ctx.jobId, scannerId: ctx.scannerId, scannerName: ctx.scannerName, createdAt: ctx.createdAt.toISOString() },
      },
      doc,
    );
    this.records.set(record.id, record);
    this.logger.warn({ id: record.id, target: target.name, job: ctx.jobId, retryable, err: error }, retryable ? 'delivery spooled for retry' : 'delivery failed; kept in the outbox');
    if (!retryable) return { target: target.name, status: 'failed', error: messageOf(error), outbox: [record.id], stored: [] };
    if (this.started) this.schedule(record);
    return { target: target.name, status: 'spooled', error: messageOf(error), outbox: [record.id], next_attempt_at: record.nextAttemptAt ?? now.toISOString(), stored: [] };
  }

  /** Deliveries in the outbox, oldest first. */
  list(): PendingDelivery[] {
    return [...this.records.values()].map(viewOf).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Removes a delivery and its document copy; throws ScanError('NotFound') for an unknown id. */
  async drop(id: string): Promise<void> {
    const record = this.require(id);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.records.delete(id);
    await this.outbox.remove(record);
    this.logger.info({ id, target: record.target, job: record.context.jobId }, 'delivery dropped by the operator');
  }

  /** Tries a delivery again now (also a failed one, e.g. after fixing a token or freeing space); throws NotFound for an unknown id. */
  async retry(id: string): Promise<RetryOutcome> {
    const record = this.require(id);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    if (record.state === 'failed') record.state = 'pending';
    await this.track(this.attempt(record));
    if (this.records.get(id) !== record) return { id, target: record.target, status: 'delivered' };
    return {
      id,
      target: record.target,
      status: record.state,
      ...(record.lastError !== undefined ? { error: record.lastError } : {}),
      ...(record.nextAttemptAt !== undefined ? { nextAttemptAt: record.nextAttemptAt } : {}),
    };
  }

  /** Retries every waiting delivery now, oldest first, one at a time (a server just back is not flooded). */
  async retryAll(): Promise<RetryOutcome[]> {
    const outcomes: RetryOutcome[] = [];
    for (const { id } of this.list()) {
      if (this.records.has(id)) outcomes.push(await this.retry(id));
    }
    return outcomes;
  }

  private require(id: string): OutboxRecord {
    const record = this.records.get(id);
    if (record === undefined) throw new ScanError('NotFound', `no delivery ${id} in the outbox`);
    return record;
  }

  /** Arms the timer of a pending record for its next attempt. */
  private schedule(record: OutboxRecord): void {
    if (!this.started || this.timers.has(record.id)) return;
    const due = record.nextAttemptAt === undefined ? 0 : Date.parse(record.nextAttemptAt) - Date.now();
    const timer = setTimeout(() => {
      this.timers.delete(record.id);
      this.track(this.attempt(record)).catch((error: unknown) => this.logger.error({ id: record.id, err: error }, 'delivery attempt broke'));
    }, Math.max(0, Number.isFinite(due) ? due : 0));
    timer.unref();
    this.timers.set(record.id, timer);
  }

  private track(work: Promise<void>): Promise<void> {
    this.running.add(work);
    return work.finally(() => this.running.delete(work));
  }

  /** One retry of a record, or the one already under way; never rejects. */
  private attempt(record: OutboxRecord): Promise<void> {
    const running = this.inFlight.get(record.id);
    if (running !== undefined) return running;
    if (!this.records.has(record.id)) return Promise.resolve();
    const work = this.attemptOnce(record).finally(() => this.inFlight.delete(record.id));
    this.inFlight.set(record.id, work);
    return work;
  }

  private async attemptOnce(record: OutboxRecord): Promise<void> {
    const target = this.options.resolveTarget(record.target);
    record.attempts += 1;
    try {
      if (target === undefined) throw new ScanError('NotFound', `target "${record.target}" is no longer configured`);
      const stored = await target.deliver(this.outbox.document(record), Outbox.context(record));
      this.records.delete(record.id);
      await this.outbox.remove(record);
      this.logger.info({ id: record.id, target: record.target, job: record.context.jobId, attempts: record.attempts }, 'spooled delivery delivered');
      this.options.onDelivered?.(viewOf(record), stored);
    } catch (error) {
      if (!this.records.has(record.id)) return; // dropped while the attempt ran
      const retryable = isRetryable(error);
      record.lastError = messageOf(error);
      record.state = retryable ? 'pending' : 'failed';
      record.nextAttemptAt = retryable ? new Date(Date.now() + backoffDelay(record.attempts, this.backoff)).toISOString() : undefined;
      await this.outbox.save(record).catch((e: unknown) => this.logger.error({ id: record.id, err: e }, 'cannot update delivery record'));
      this.logger.warn({ id: record.id, target: record.target, attempts: record.attempts, next: record.nextAttemptAt, err: error }, 'delivery attempt failed');
      if (retryable) this.schedule(record);
      else this.options.onFailed?.(viewOf(record), record.lastError);
    }
  }
}
