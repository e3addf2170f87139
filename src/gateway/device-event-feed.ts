/**
 * Listens to the events scanners push (core/device-events.ts), but only where someone asked
 * for them (say the triggers, for scanners with bound buttons), and only while the scanner is
 * online and no job runs: a SANE driver reads its sensors while subscribed, and an open SANE
 * device is exclusive. A subscription that ends by itself is opened again after a pause.
 */
import type { DeviceEvent } from '../core/device-events.js';
import type { Logger } from '../core/logger.js';
import type { ScannerDriver } from '../core/scanner.js';
import type { ScannerEntry } from './scanner-entry.js';

/** A subscription that ended by itself (driver error, closed driver) is tried again after this. */
export const RESUBSCRIBE_DELAY_MS = 5_000;

/** What the feed is built from. */
export interface DeviceEventFeedDeps {
  logger: Logger;
  /** How often a device that can only be polled for events (SANE sensors) is read. */
  pollIntervalMs: number;
  /** The live entry of a scanner id, if any. */
  entry: (scannerId: string) => ScannerEntry | undefined;
  /** An event the device pushed while subscribed. */
  onEvent: (entry: ScannerEntry, event: DeviceEvent) => void;
}

interface Subscription {
  driver: ScannerDriver;
  abort: AbortController;
}

/** Opens and closes each scanner's device event subscription as its state changes. */
export class DeviceEventFeed {
  private readonly watchers = new Map<string, number>();
  private readonly subscriptions = new Map<ScannerEntry, Subscription>();
  private readonly retries = new Map<ScannerEntry, NodeJS.Timeout>();
  private halted = false;

  constructor(private readonly deps: DeviceEventFeedDeps) {}

  /** Someone listens to a scanner's device events (known now or later) until the returned function is called. */
  watch(scannerId: string): () => void {
    this.watchers.set(scannerId, (this.watchers.get(scannerId) ?? 0) + 1);
    this.updateId(scannerId);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.watchers.get(scannerId) ?? 1) - 1;
      if (left > 0) this.watchers.set(scannerId, left);
      else this.watchers.delete(scannerId);
      this.updateId(scannerId);
    };
  }

  /** Opens or closes the entry's subscription to match its state; call after any change of it. */
  update(entry: ScannerEntry): void {
    const current = this.subscriptions.get(entry);
    const wanted = this.wants(entry);
    if (current && (!wanted || current.driver !== entry.driver)) this.close(entry, current);
    if (wanted && !this.subscriptions.has(entry) && !this.retries.has(entry)) this.open(entry);
  }

  /** Closes every subscription and opens none from now on (shutdown). */
  halt(): void {
    this.halted = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    for (const [entry, subscription] of [...this.subscriptions]) this.close(entry, subscription);
  }

  private wants(entry: ScannerEntry): boolean {
    const listened = (this.watchers.get(entry.id) ?? 0) > 0;
    return !this.halted && listened && !entry.removed && !entry.released && entry.online && entry.queue.running === undefined && entry.driver.events !== undefined;
  }

  private updateId(scannerId: string): void {
    const entry = this.deps.entry(scannerId);
    if (entry) this.update(entry);
  }

  private close(entry: ScannerEntry, subscription: Subscription): void {
    subscription.abort.abort();
    this.subscriptions.delete(entry);
  }

  private open(entry: ScannerEntry): void {
    const { driver } = entry;
    const subscription: Subscription = { driver, abort: new AbortController() };
    this.subscriptions.set(entry, subscription);
    void this.consume(entry, subscription);
  }

  private async consume(entry: ScannerEntry, subscription: Subscription): Promise<void> {
    const { signal } = subscription.abort;
    try {
      const events = subscription.driver.events?.(signal, { pollIntervalMs: this.deps.pollIntervalMs });
      for await (const event of events ?? []) {
        if (signal.aborted) break;
        this.deps.onEvent(entry, event);
      }
    } catch (error) {
      if (!signal.aborted) this.deps.logger.debug({ err: error, scanner: entry.id }, 'device events ended with an error');
    }
    if (signal.aborted || this.subscriptions.get(entry) !== subscription) return;
    // Ended by itself while still wanted: try again later, not in a tight loop.
    this.subscriptions.delete(entry);
    this.retries.set(
      entry,
      setTimeout(() => {
        this.retries.delete(entry);
        this.update(entry);
      }, RESUBSCRIBE_DELAY_MS).unref(),
    );
  }
}
