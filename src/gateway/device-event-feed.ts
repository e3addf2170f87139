/**
 * Listens to the events scanners push (core/device-events.ts), but only where someone asked
 * for them (say the triggers, for scanners with bound buttons), and only while the scanner is
 * online and no job runs: a SANE driver reads its sensors while subscribed, and an open SANE
 * device is exclusive (a driver whose events do not hold the device, WSD, says so with
 * `eventsDuringJobs` and keeps them through jobs). A subscription that ends by itself is opened
 * again after a pause. The watchers' button names are handed to the driver (WSD lists them on
 * the panel); `*` watches every scanner.
 */
import { EVERY_SCANNER, type DeviceEvent, type DeviceEventOptions } from '../core/device-events.js';
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
  /** Every scanner id known now (for watchers of `*`). */
  scannerIds?: () => readonly string[];
  /** The gateway's instance name, handed to drivers (DeviceEventOptions.instance). */
  instance?: string;
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
  /** The button names it was opened with, joined: a change reopens it. */
  buttons: string;
}

/** Opens and closes each scanner's device event subscription as its state changes. */
export class DeviceEventFeed {
  /** Per scanner id (or `*`), the button lists of its watchers, one entry per watch. */
  private readonly watchers = new Map<string, (readonly string[])[]>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private halted = false;

  constructor(private readonly deps: DeviceEventFeedDeps) {}

  /**
   * Someone listens to a scanner's device events (known now or later; `*` for every scanner), for
   * the named buttons, until the returned function is called.
   */
  watch(scannerId: string, buttons: readonly string[] = []): () => void {
    const entry = [...buttons];
    this.watchers.set(scannerId, [...(this.watchers.get(scannerId) ?? []), entry]);
    this.updateWatched(scannerId);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.watchers.get(scannerId) ?? []).filter((e) => e !== entry);
      if (left.length > 0) this.watchers.set(scannerId, left);
      else this.watchers.delete(scannerId);
      this.updateWatched(scannerId);
    };
  }

  /** Opens or closes the scanner's subscription to match its state; call after any change of it (also its removal). */
  update(scannerId: string): void {
    const scanner = this.deps.scanner(scannerId);
    const current = this.subscriptions.get(scannerId);
    const wanted = scanner !== undefined && this.wants(scannerId, scanner);
    if (current && (!wanted || current.driver !== scanner?.driver || current.buttons !== this.buttonsOf(scannerId).join('\n'))) this.close(scannerId, current);
    if (wanted && !this.subscriptions.has(scannerId) && !this.retries.has(scannerId)) this.open(scannerId, scanner.driver);
  }

  /** Closes every subscription and opens none from now on (shutdown). */
  halt(): void {
    this.halted = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    for (const [id, subscription] of [...this.subscriptions]) this.close(id, subscription);
  }

  private updateWatched(scannerId: string): void {
    if (scannerId !== EVERY_SCANNER) return this.update(scannerId);
    for (const id of new Set([...(this.deps.scannerIds?.() ?? []), ...this.subscriptions.keys()])) this.update(id);
  }

  private wants(scannerId: string, scanner: FeedScanner): boolean {
    const listened = this.watchers.has(scannerId) || this.watchers.has(EVERY_SCANNER);
    const free = scanner.driver.eventsDuringJobs === true || !this.deps.busy(scannerId);
    return !this.halted && listened && !scanner.released && scanner.online && free && scanner.driver.events !== undefined;
  }

  /** The union of the watchers' button names for a scanner, sorted. */
  private buttonsOf(scannerId: string): string[] {
    const lists = [...(this.watchers.get(scannerId) ?? []), ...(this.watchers.get(EVERY_SCANNER) ?? [])];
    return [...new Set(lists.flat())].sort();
  }

  private close(scannerId: string, subscription: Subscription): void {
    subscription.abort.abort();
    this.subscriptions.delete(scannerId);
  }

  private open(scannerId: string, driver: ScannerDriver): void {
    const subscription: Subscription = { driver, abort: new AbortController(), buttons: this.buttonsOf(scannerId).join('\n') };
    this.subscriptions.set(scannerId, subscription);
    void this.consume(scannerId, subscription);
  }

  private async consume(scannerId: string, subscription: Subscription): Promise<void> {
    const { signal } = subscription.abort;
    try {
      const buttons = subscription.buttons === '' ? [] : subscription.buttons.split('\n');
      const options: DeviceEventOptions = { pollIntervalMs: this.deps.pollIntervalMs };
      if (buttons.length > 0) options.buttons = buttons;
      if (this.deps.instance) options.instance = this.deps.instance;
      const events = subscription.driver.events?.(signal, options);
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
