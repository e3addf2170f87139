/**
 * Listens to the events scanners push (core/device-events.ts), but only where someone asked
 * for them (say the triggers, for scanners with bound buttons), and only while the scanner is
 * online and no job runs: a SANE driver reads its sensors while subscribed, and an open SANE
 * device is exclusive. A subscription that ends by itself is opened again after a pause.
 */
import type { DeviceEvent } from '../core/device-events.js';
import type { Logger } from '../core/logger.js';
import type { ScannerDriver } from '../core/scanner.js';

/** A subscription that ended by itself (driver error, closed driver) is tried again after this. */
export const RESUBSCRIBE_DELAY_MS = 5_000;

/** What the feed is built from. */
export interface DeviceEventFeedDeps {
  logger: Logger;
  /** How often a device that can only be polled for events (SANE sensors) is read. */
  pollIntervalMs: number;
  /** What the feed needs to know of a scanner id now, if the gateway knows it. */
  scanner: (scannerId: string) => FeedScanner | undefined;
  /** True while a job runs on the scanner: the device is the job's then. */
  busy: (scannerId: string) => boolean;
  /** An event the device pushed while subscribed. */
  onEvent: (scannerId: string, event: DeviceEvent) => void;
}

/** A scanner as the feed sees it. */
export interface FeedScanner {
  readonly online: boolean;
  /** Shutdown has released it: nothing is opened on it any more. */
  readonly released: boolean;
  readonly driver: ScannerDriver;
}

interface Subscription {
  driver: ScannerDriver;
  abort: AbortController;
}

/** Opens and closes each scanner's device event subscription as its state changes. */
export class DeviceEventFeed {
  private readonly watchers = new Map<string, number>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private halted = false;

  constructor(private readonly deps: DeviceEventFeedDeps) {}

  /** Someone listens to a scanner's device events (known now or later) until the returned function is called. */
  watch(scannerId: string): () => void {
    this.watchers.set(scannerId, (this.watchers.get(scannerId) ?? 0) + 1);
    this.update(scannerId);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.watchers.get(scannerId) ?? 1) - 1;
      if (left > 0) this.watchers.set(scannerId, left);
      else this.watchers.delete(scannerId);
      this.update(scannerId);
    };
  }

  /** Opens or closes the scanner's subscription to match its state; call after any change of it (also its removal). */
  update(scannerId: string): void {
    const scanner = this.deps.scanner(scannerId);
    const current = this.subscriptions.get(scannerId);
    const wanted = scanner !== undefined && this.wants(scannerId, scanner);
    if (current && (!wanted || current.driver !== scanner?.driver)) this.close(scannerId, current);
    if (wanted && !this.subscriptions.has(scannerId) && !this.retries.has(scannerId)) this.open(scannerId, scanner.driver);
  }

  /** Closes every subscription and opens none from now on (shutdown). */
  halt(): void {
    this.halted = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    for (const [id, subscription] of [...this.subscriptions]) this.close(id, subscription);
  }

  private wants(scannerId: string, scanner: FeedScanner): boolean {
    const listened = (this.watchers.get(scannerId) ?? 0) > 0;
    return !this.halted && listened && !scanner.released && scanner.online && !this.deps.busy(scannerId) && scanner.driver.events !== undefined;
  }

  private close(scannerId: string, subscription: Subscription): void {
    subscription.abort.abort();
    this.subscriptions.delete(scannerId);
  }

  private open(scannerId: string, driver: ScannerDriver): void {
    const subscription: Subscription = { driver, abort: new AbortController() };
    this.subscriptions.set(scannerId, subscription);
    void this.consume(scannerId, subscription);
  }

  private async consume(scannerId: string, subscription: Subscription): Promise<void> {
    const { signal } = subscription.abort;
    try {
      const events = subscription.driver.events?.(signal, { pollIntervalMs: this.deps.pollIntervalMs });
      for await (const event of events ?? []) {
        if (signal.aborted) break;
        this.deps.onEvent(scannerId, event);
      }
    } catch (error) {
      if (!signal.aborted) this.deps.logger.debug({ err: error, scanner: scannerId }, 'device events ended with an error');
    }
    if (signal.aborted || this.subscriptions.get(scannerId) !== subscription) return;
    // Ended by itself while still wanted: try again later, not in a tight loop.
    this.subscriptions.delete(scannerId);
    this.retries.set(
      scannerId,
      setTimeout(() => {
        this.retries.delete(scannerId);
        this.update(scannerId);
      }, RESUBSCRIBE_DELAY_MS).unref(),
    );
  }
}
