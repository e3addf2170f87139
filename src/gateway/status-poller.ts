/**
 * Polls each scanner's status: every few seconds while idle, faster while a job runs,
 * backing off while unreachable. Owns the online/offline verdict.
 */
import { toErrorPayload } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ScannerEntry } from './scanner-entry.js';

/** Polling intervals (config `polling.*`). */
export interface PollingSettings {
  idle_s: number;
  busy_s: number;
  offline_after_failures: number;
  /** While a trigger watches a scanner's status (an `adf_loaded` binding); DEFAULT_WATCHED_POLL_S when unset. */
  watched_s?: number;
}

/** Seconds between status polls of an idle scanner a trigger watches, unless configured. */
export const DEFAULT_WATCHED_POLL_S = 2;

/** An unreachable scanner is retried no less often than this. */
export const MAX_OFFLINE_POLL_INTERVAL_MS = 5 * 60 * 1000;
/** A single status request may take this long before it counts as a failure. */
export const STATUS_TIMEOUT_MS = 10_000;
/** Delay of an out-of-turn poll (coalesces bursts of triggers). */
export const SOON_MS = 50;

interface PollerDeps {
  settings: PollingSettings;
  logger: Logger;
  isBusy: (entry: ScannerEntry) => boolean;
  /** True while a trigger watches the scanner's status (polled every `watched_s` while idle). */
  isWatched?: (entry: ScannerEntry) => boolean;
  onCapabilities: (entry: ScannerEntry) => void;
  onAvailability: (entry: ScannerEntry) => void;
  onStatus: (entry: ScannerEntry) => void;
  /** The first failure of a streak (not every retry), for the health report. */
  onFailure?: (entry: ScannerEntry, error: unknown) => void;
}

/** Schedules and runs status polls for all scanners. */
export class StatusPoller {
  private halted = false;

  constructor(private readonly deps: PollerDeps) {}

  /** Polls a scanner shortly, replacing its scheduled poll. */
  pollSoon(entry: ScannerEntry): void {
    this.schedule(entry, SOON_MS);
  }

  /** Cancels a scanner's scheduled poll; a removed entry (the directory marks it) is never scheduled again. */
  stop(entry: ScannerEntry): void {
    clearTimeout(entry.pollTimer);
    entry.pollTimer = undefined;
  }

  /** Schedules no poll of any scanner from now on (shutdown); entries and their jobs are left alone. */
  halt(): void {
    this.halted = true;
  }

  /** Marks a scanner offline at once (it said goodbye), and keeps checking for its return. */
  markOffline(entry: ScannerEntry): void {
    entry.failures = Math.max(entry.failures, this.deps.settings.offline_after_failures);
    if (entry.online) {
      entry.online = false;
      this.deps.onAvailability(entry);
    }
    this.schedule(entry, this.nextDelay(entry));
  }

  private schedule(entry: ScannerEntry, delayMs: number): void {
    if (entry.removed || this.halted) return;
    clearTimeout(entry.pollTimer);
    entry.pollTimer = setTimeout(() => void this.poll(entry), delayMs);
    entry.pollTimer.unref();
  }

  private async poll(entry: ScannerEntry): Promise<void> {
    if (entry.polling || entry.removed || this.halted) return;
    entry.polling = true;
    try {
      if (!entry.capabilitiesConfirmed) {
        entry.capabilities = await entry.driver.getCapabilities(AbortSignal.timeout(STATUS_TIMEOUT_MS));
        entry.capabilitiesConfirmed = true;
        this.deps.onCapabilities(entry);
      }
      const status = await entry.driver.getStatus(AbortSignal.timeout(STATUS_TIMEOUT_MS));
      const changed = JSON.stringify(status) !== JSON.stringify(entry.status);
      entry.status = status;
      entry.failures = 0;
      entry.lastPollError = undefined;
      if (!entry.online) {
        entry.online = true;
        this.deps.logger.info({ scanner: entry.id }, 'scanner online');
        this.deps.onAvailability(entry);
      } else if (changed) {
        this.deps.onStatus(entry);
      }
    } catch (error) {
      entry.failures += 1;
      entry.lastPollError = toErrorPayload(error);
      if (entry.failures === 1) this.deps.onFailure?.(entry, error);
      const level = entry.failures === 1 ? 'warn' : 'debug';
      this.deps.logger[level]({ scanner: entry.id, err: error, failures: entry.failures }, 'status poll failed');
      if (entry.online && entry.failures >= this.deps.settings.offline_after_failures) {
        entry.online = false;
        this.deps.logger.warn({ scanner: entry.id }, 'scanner offline');
        this.deps.onAvailability(entry);
      }
    } finally {
      entry.polling = false;
      entry.contact.settle();
    }
    this.schedule(entry, this.nextDelay(entry));
  }

  private nextDelay(entry: ScannerEntry): number {
    const { idle_s, busy_s, offline_after_failures, watched_s = DEFAULT_WATCHED_POLL_S } = this.deps.settings;
    if (this.deps.isBusy(entry)) return busy_s * 1000;
    const idle = this.deps.isWatched?.(entry) ? Math.min(idle_s, watched_s) : idle_s;
    if (entry.online || entry.failures < offline_after_failures) return (entry.failures > 0 ? busy_s : idle) * 1000;
    const backoff = idle_s * 1000 * 2 ** Math.min(entry.failures - offline_after_failures, 6);
    return Math.min(backoff, MAX_OFFLINE_POLL_INTERVAL_MS);
  }
}
