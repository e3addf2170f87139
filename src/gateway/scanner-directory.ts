/**
 * The scanners the gateway knows: turns registry records into live entries with a driver, polls
 * their status, and keeps their availability. The only writer of ScannerEntry; others read
 * snapshots and hear events.
 */
import { EventEmitter } from 'node:events';
import { scannerNotFound, ScanError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ScannerDriver } from '../core/scanner.js';
import type { ScannerStatus } from '../core/status.js';
import { checkScannerName } from '../core/scanner-name.js';
import type { DeviceRecord, DeviceRecords, DriverFactory } from '../core/device-record.js';
import type { CapabilitiesCache } from './capabilities-cache.js';
import { CONTACT_WAIT_MS } from './contact-gate.js';
import { ScannerEntry, type ScannerSnapshot } from './scanner-entry.js';
import type { ScannerSettingsStore } from './scanner-settings-store.js';
import { StatusPoller, type PollingSettings } from './status-poller.js';

/** What the directory is built from. */
export interface ScannerDirectoryDeps {
  registry: DeviceRecords;
  createDriver: DriverFactory;
  settingsStore: Pick<ScannerSettingsStore, 'nameFor' | 'rename' | 'forget'>;
  /** The last capabilities of each scanner, so a restart publishes known scanners whole at once. */
  capabilitiesCache?: Pick<CapabilitiesCache, 'get' | 'remember' | 'forget'>;
  logger: Logger;
  polling: PollingSettings;
  /** Asks every discovery source to look again. */
  discoverNow: () => Promise<void>;
  /** True while a job runs on the scanner (polls faster; its driver is not swapped under it). */
  isBusy: (scannerId: string) => boolean;
  /** True while a trigger watches the scanner's status (polled every `polling.watched_s`). */
  statusWatched?: (scannerId: string) => boolean;
  /** Ends the jobs of a scanner that goes away; its driver is closed once they have. */
  endJobs: (scannerId: string, reason: string) => Promise<void>;
  /** Keeps a failure for the health report. */
  reportError: (scannerId: string, error: unknown) => void;
  /** Called when the device itself told its capabilities. */
  onCapabilities?: (scanner: ScannerSnapshot) => void;
}

/** What the directory tells its listeners. */
export interface ScannerDirectoryEvents {
  added: [scanner: ScannerSnapshot];
  /** Identity or capabilities changed. */
  changed: [scanner: ScannerSnapshot];
  /** Went online or offline. */
  availability: [scanner: ScannerSnapshot];
  /** The device's own status changed (idle, processing, ADF). */
  status: [scanner: ScannerSnapshot];
  removed: [scanner: ScannerSnapshot];
  /** The gateway stopped watching it (shutdown): it shows as offline from now on. */
  released: [scanner: ScannerSnapshot];
}

/** Owns the live scanners. */
export class ScannerDirectory extends EventEmitter<ScannerDirectoryEvents> {
  private readonly entries = new Map<string, ScannerEntry>();
  private readonly poller: StatusPoller;
  private readonly log: Logger;
  private stopping = false;

  constructor(private readonly deps: ScannerDirectoryDeps) {
    super();
    this.setMaxListeners(50);
    this.log = deps.logger;
    this.poller = new StatusPoller({
      settings: deps.polling,
      logger: deps.logger.child({ component: 'poller' }),
      isBusy: (entry) => deps.isBusy(entry.id),
      isWatched: (entry) => deps.statusWatched?.(entry.id) ?? false,
      onCapabilities: (entry) => {
        if (entry.capabilities) void deps.capabilitiesCache?.remember(entry.id, entry.capabilities);
        // A hand-listed device is known by URL until it tells its UUID; the registry decides what that changes.
        if (entry.capabilities?.uuid) deps.registry.identify(entry.record.key, entry.capabilities.uuid);
        deps.onCapabilities?.(entry);
        this.emit('changed', entry);
      },
      onAvailability: (entry) => this.emit('availability', entry),
      onStatus: (entry) => this.emit('status', entry),
      onFailure: (entry, error) => deps.reportError(entry.id, error),
    });
  }

  /** Subscribes to the registry and adopts every record it already holds. */
  start(): void {
    const { registry } = this.deps;
    registry.on('added', (record) => this.adopt(record));
    registry.on('changed', (record) => this.refresh(record));
    registry.on('found-again', (record) => this.refresh(record));
    registry.on('lost', (record) => this.markLost(record));
    registry.on('removed', (record) => this.forget(record.id, 'scanner merged or removed'));
    for (const record of registry.list()) this.adopt(record);
  }

  /** Shutdown, first step: no more polls or adoptions; commands waiting for a contact are answered. */
  halt(): void {
    this.stopping = true;
    this.poller.halt();
    for (const entry of this.entries.values()) {
      this.poller.stop(entry);
      entry.contact.settle();
    }
  }

  /** Shutdown, last step: every scanner is released (shown offline from now on) and its driver closed. */
  async release(): Promise<void> {
    const entries = [...this.entries.values()];
    for (const entry of entries) {
      entry.released = true;
      this.emit('released', entry);
    }
    await Promise.all(entries.map((e) => e.driver.close().catch(() => undefined)));
  }

  /** True once shutdown began. */
  get isStopping(): boolean {
    return this.stopping;
  }

  list(): ScannerSnapshot[] {
    return [...this.entries.values()];
  }

  get(id: string): ScannerSnapshot | undefined {
    return this.entries.get(id);
  }

  /** The scanner, or ScanError('NotFound'). */
  require(id: string): ScannerSnapshot {
    return this.requireEntry(id);
  }

  /** The driver a job runs on: the queue that asks is the device's only user. */
  driverOf(id: string): ScannerDriver {
    return this.requireEntry(id).driver;
  }

  /**
   * A status the device pushed (WSD status events): taken as if polled, so it shows without waiting
   * for the next poll. Availability stays the poller's verdict: a scanner thought offline is polled instead.
   */
  applyPushedStatus(id: string, status: ScannerStatus): void {
    const entry = this.entries.get(id);
    if (!entry || entry.removed || entry.released) return;
    if (!entry.online) return this.poller.pollSoon(entry);
    if (JSON.stringify(status) === JSON.stringify(entry.status)) return;
    entry.status = status;
    this.emit('status', entry);
  }

  /** Polls the scanner shortly (a job started or ended, a command wants its verdict). */
  pollSoon(id: string): void {
    const entry = this.entries.get(id);
    if (entry) this.poller.pollSoon(entry);
  }

  /**
   * The scanner once it is known to be online, after a contact attempt when it is not: waits up to
   * CONTACT_WAIT_MS for the verdict, then throws DeviceOffline (with the last poll error) or Cancelled.
   */
  async reachable(id: string): Promise<ScannerSnapshot> {
    // Capabilities kept from an earlier run are shown at once but not scanned with until the device confirms them.
    const ready = (e: ScannerEntry) => e.online && e.capabilitiesConfirmed && e.capabilities !== undefined;
    let entry = this.requireEntry(id);
    let answered = true;
    if (!ready(entry) && !this.stopping) {
      if (!entry.contact.pending) {
        entry.contact.expect();
        this.poller.pollSoon(entry);
      }
      answered = await entry.contact.wait(CONTACT_WAIT_MS);
      entry = this.requireEntry(id);
    }
    if (this.stopping) throw new ScanError('Cancelled', 'the gateway is shutting down');
    if (ready(entry)) return entry;
    const why = !answered
      ? ` (no answer within ${CONTACT_WAIT_MS / 1000} s)`
      : entry.lastPollError
        ? ` (last error: ${entry.lastPollError.code}: ${entry.lastPollError.message})`
        : '';
    throw new ScanError('DeviceOffline', `scanner ${id} is offline${why}`);
  }

  /** Polls every scanner and asks discovery to look again. */
  discoverNow(): Promise<void> {
    for (const entry of this.entries.values()) this.poller.pollSoon(entry);
    return this.deps.discoverNow();
  }

  /** Forgets a scanner for good (registry, name, preferences, cached capabilities); false when unknown. */
  remove(id: string): boolean {
    if (!this.forget(id, 'scanner removed')) return false;
    this.deps.registry.remove(id);
    void this.deps.settingsStore.forget(id);
    return true;
  }

  /** Gives the scanner a new name (kept across restarts); throws InvalidRequest for a bad name. */
  rename(id: string, name: string): ScannerSnapshot {
    const entry = this.requireEntry(id);
    const trimmed = checkScannerName(name);
    entry.record = { ...entry.record, name: trimmed };
    void this.deps.settingsStore.rename(entry.record.key, id, trimmed, id);
    this.emit('changed', entry);
    return entry;
  }

  private adopt(record: DeviceRecord): void {
    // While stopping nothing new is adopted (refresh would hand an unknown record back here, round and round).
    if (this.stopping) return;
    if (this.entries.has(record.id)) return this.refresh(record);
    const renamed = this.deps.settingsStore.nameFor(record.key);
    const named = renamed ? { ...record, name: renamed } : record;
    let driver: ScannerDriver;
    try {
      driver = this.deps.createDriver(named);
    } catch (error) {
      this.log.error({ err: error, device: record.id }, 'cannot create a driver for this device');
      this.deps.reportError(record.id, error);
      return;
    }
    const entry = new ScannerEntry(named, driver);
    // Known from an earlier run: published whole at once; the first poll asks the device again.
    entry.capabilities = this.deps.capabilitiesCache?.get(record.id);
    this.entries.set(record.id, entry);
    this.log.info({ scanner: record.id, protocol: record.protocol, url: entry.url }, 'scanner added');
    this.emit('added', entry);
    this.poller.pollSoon(entry);
  }

  private refresh(record: DeviceRecord): void {
    const entry = this.entries.get(record.id);
    if (!entry) return this.adopt(record);
    // A new address, or other protocols learnt or lost (whose events a driver hears), needs a new driver.
    const driverStale = record.endpoints[0]?.url !== entry.url || otherUrls(record) !== otherUrls(entry.record);
    entry.record = { ...record, name: entry.record.name };
    if (driverStale && !this.deps.isBusy(entry.id)) this.replaceDriver(entry);
    // Back in discovery while offline (or with a new address): commands wait for this poll's verdict.
    if (!entry.online || !entry.capabilitiesConfirmed) entry.contact.expect();
    this.poller.pollSoon(entry);
  }

  /** The device moved: a driver for its new address replaces the old one, which is kept if none can be made. */
  private replaceDriver(entry: ScannerEntry): void {
    let driver: ScannerDriver;
    try {
      driver = this.deps.createDriver(entry.record);
    } catch (error) {
      // E.g. an address no client can dial (an IPv6 link-local one with a zone): a registry listener must not throw.
      this.log.warn({ err: error, scanner: entry.id, url: entry.record.endpoints[0]?.url }, 'cannot drive the device at its new address; keeping the old one');
      this.deps.reportError(entry.id, error);
      return;
    }
    void entry.driver.close().catch(() => undefined);
    entry.driver = driver;
    // Same device at a new address: keep what it can do on show, but ask it again.
    entry.capabilitiesConfirmed = false;
  }

  /** Drops a scanner's entry (removed, or merged into another by rekey); false when there was none. */
  private forget(id: string, reason: string): boolean {
    const entry = this.entries.get(id);
    if (!entry || entry.removed) return false;
    entry.removed = true;
    this.entries.delete(id);
    this.poller.stop(entry);
    entry.contact.settle();
    void this.deps.endJobs(id, reason).then(() => entry.driver.close().catch(() => undefined));
    void this.deps.capabilitiesCache?.forget(id);
    this.emit('removed', entry);
    return true;
  }

  private markLost(record: DeviceRecord): void {
    const entry = this.entries.get(record.id);
    if (!entry) return;
    this.log.info({ scanner: record.id }, 'scanner said goodbye');
    this.poller.markOffline(entry);
  }

  private requireEntry(id: string): ScannerEntry {
    const entry = this.entries.get(id);
    if (!entry) throw scannerNotFound(id);
    return entry;
  }
}

/** The best endpoint of each other protocol a record speaks, as one comparable string. */
function otherUrls(record: DeviceRecord): string {
  return Object.entries(record.otherEndpoints ?? {})
    .map(([protocol, endpoints]) => `${protocol} ${endpoints?.[0]?.url ?? ''}`)
    .sort()
    .join('\n');
}
