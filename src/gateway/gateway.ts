/**
 * The gateway's domain service: turns registry records into live scanners, polls their
 * status, queues their jobs, and tells publishers (MQTT, Home Assistant) what changed.
 */
import { EventEmitter } from 'node:events';
import type { DeviceEvent } from '../core/device-events.js';
import { ScanError } from '../core/errors.js';
import { checkScannerName } from '../core/scanner-name.js';
import type { DeliveryRetryView, DeliveryView, GatewayApi, GatewayEvents, HealthReport, HistoryQuery, JobHistoryEntry, ScanPreferences, ScanTrigger, ScannerStatePayload, ScannerView } from '../core/gateway-api.js';
import type { JobEvent } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import type { ScannerDriver } from '../core/scanner.js';
import type { ScanSettings } from '../core/settings.js';
import { parseScanRequest } from '../core/validate.js';
import type { DeviceRecord, DeviceRecords, DriverFactory } from '../core/device-record.js';
import type { JobBounds } from '../jobs/job-bounds.js';
import { JobQueue, MAX_QUEUED_JOBS } from '../jobs/job-queue.js';
import { runScanJob, type JobStorageSessionLike } from '../jobs/run-scan-job.js';
import { ScanJob } from '../jobs/scan-job.js';
import type { ScanProfile } from '../profiles/profile.js';
import { effectiveChoices, resolveJobPlan, type JobOutput } from '../profiles/resolve-job.js';
import { CONTACT_WAIT_MS } from './contact-gate.js';
import { checkPreference } from './preferences.js';
import { ScannerEntry } from './scanner-entry.js';
import type { ScannerSettingsStore } from './scanner-settings-store.js';
import type { CapabilitiesCache } from './capabilities-cache.js';
import { StatusPoller, type PollingSettings } from './status-poller.js';
import { RecentErrors } from './recent-errors.js';
import { DeviceEventFeed } from './device-event-feed.js';

/** How often a watched device that can only be polled for its events is read, unless configured. */
export const DEFAULT_DEVICE_EVENT_POLL_MS = 500;

/** Everything the gateway is built from. */
export interface GatewayDeps {
  registry: DeviceRecords;
  createDriver: DriverFactory;
  /** Opens storage for a job, with the targets and document options its profile chose. */
  openStorage: (job: ScanJob, output: JobOutput) => JobStorageSessionLike;
  /** Rejects (e.g. InsufficientStorage) when storage cannot take a job now; checked before each job starts. */
  checkStorage?: () => Promise<void>;
  settingsStore: ScannerSettingsStore;
  /** The last capabilities of each scanner, so a restart publishes known scanners whole at once. */
  capabilitiesCache?: CapabilitiesCache;
  logger: Logger;
  polling: PollingSettings;
  scanDefaults: Partial<ScanSettings>;
  /** Configured scan profiles. */
  profiles?: readonly ScanProfile[];
  /** Where finished jobs are recorded (job history). */
  history?: { record(entry: JobHistoryEntry): Promise<void>; list(query?: HistoryQuery): JobHistoryEntry[] };
  /** The delivery spool of remote targets, when one exists. */
  deliveries?: { list(): DeliveryView[]; drop(id: string): Promise<boolean>; retry(id?: string): Promise<DeliveryRetryView[]> };
  discoverNow: () => Promise<void>;
  /** Bounds every job runs under (defaults: DEFAULT_JOB_BOUNDS). */
  jobBounds?: Partial<JobBounds>;
  /** Store the complete pages of a batch the device broke off (default true). */
  keepPartial?: boolean;
  /** How often a watched device that can only be polled for its events (SANE sensors) is read (`button_poll_ms`). */
  deviceEventPollMs?: number;
  /** Called when a job is done, e.g. to make a preview image. */
  onJobDone?: (scannerId: string, job: ScanJob) => void;
  /** Called when a device record becomes a live scanner (e.g. so hand-listed devices get re-keyed by UUID). */
  onCapabilities?: (entry: ScannerEntry) => void;
}

/** Per-job facts the job event does not carry: where the output goes, what started it. */
interface JobContext extends JobOutput {
  schedule?: string;
}

/** Implements GatewayApi over the registry, drivers and job queues. */
export class Gateway implements GatewayApi {
  private readonly entries = new Map<string, ScannerEntry>();
  private readonly emitter = new EventEmitter();
  private readonly poller: StatusPoller;
  private readonly deviceEvents: DeviceEventFeed;
  private readonly errors = new RecentErrors();
  private readonly startedAt = Date.now();
  private readonly log: Logger;
  private readonly profiles: ReadonlyMap<string, ScanProfile>;
  private readonly jobContexts = new WeakMap<ScanJob, JobContext>();
  private stopping = false;

  constructor(private readonly deps: GatewayDeps) {
    this.log = deps.logger;
    this.profiles = new Map((deps.profiles ?? []).map((p) => [p.name, p]));
    this.emitter.setMaxListeners(50);
    this.poller = new StatusPoller({
      settings: deps.polling,
      logger: deps.logger.child({ component: 'poller' }),
      isBusy: (entry) => entry.queue.running !== undefined,
      onCapabilities: (entry) => {
        if (entry.capabilities) void deps.capabilitiesCache?.remember(entry.id, entry.capabilities);
        deps.onCapabilities?.(entry);
        this.emit('scannerChanged', entry.view());
      },
      onAvailability: (entry) => {
        this.emit('scannerChanged', entry.view());
        this.emitState(entry);
      },
      onStatus: (entry) => this.emitState(entry),
      onFailure: (entry, error) => this.errors.add(entry.id, error),
    });
    this.deviceEvents = new DeviceEventFeed({
      logger: deps.logger.child({ component: 'device-events' }),
      pollIntervalMs: deps.deviceEventPollMs ?? DEFAULT_DEVICE_EVENT_POLL_MS,
      entry: (id) => this.entries.get(id),
      onEvent: (entry, event) => this.onDeviceEvent(entry, event),
    });
  }

  /** Subscribes to the registry and adopts every record it already holds. */
  start(): void {
    const { registry } = this.deps;
    registry.on('added', (record) => this.adopt(record));
    registry.on('changed', (record) => this.refresh(record));
    registry.on('found-again', (record) => this.refresh(record));
    registry.on('lost', (record) => this.markLost(record));
    registry.on('removed', (record) => this.forgetEntry(record.id));
    for (const record of registry.list()) this.adopt(record);
  }

  /**
   * Stops polling, cancels jobs and waits until each has ended (its last event emitted and recorded like any
   * other), then emits every scanner's final state, `offline`: nobody watches it any more. Closes drivers.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.poller.halt();
    this.deviceEvents.halt();
    const entries = [...this.entries.values()];
    for (const entry of entries) {
      this.poller.stop(entry);
      entry.contact.settle();
    }
    await Promise.all(entries.map((e) => e.queue.cancelAll('gateway shutting down')));
    for (const entry of entries) {
      entry.released = true;
      this.emitState(entry);
    }
    await Promise.all(entries.map((e) => e.driver.close().catch(() => undefined)));
  }

  listScanners(): ScannerView[] {
    return [...this.entries.values()].map((e) => e.view());
  }

  getScanner(id: string): ScannerView | undefined {
    return this.entries.get(id)?.view();
  }

  getState(id: string): ScannerStatePayload | undefined {
    return this.entries.get(id)?.statePayload();
  }

  /**
   * Settings precedence (src/profiles/resolve-job.ts): command > profile (the command's, else the
   * scanner's preferred one) > preferences > scan.defaults > device. `schedule` names the schedule that asked.
   * A scanner not reached yet (just added, back in discovery, or offline) is contacted first, and the
   * command waits up to CONTACT_WAIT_MS for the verdict; a malformed command is refused at once.
   */
  async submitScan(scannerId: string, command: unknown, trigger: ScanTrigger, origin: { schedule?: string } = {}): Promise<JobEvent> {
    this.requireEntry(scannerId);
    const request = parseScanRequest(command);
    if (request.profile !== undefined && !this.profiles.has(request.profile)) {
      throw new ScanError('InvalidRequest', `unknown profile "${request.profile}"`);
    }
    const entry = await this.reachable(scannerId);
    if (!entry.capabilities) throw new ScanError('Internal', `scanner ${scannerId} is online without capabilities`);
    if (entry.queue.queued >= MAX_QUEUED_JOBS) throw new ScanError('DeviceBusy', `scanner ${scannerId} has ${MAX_QUEUED_JOBS} jobs waiting already`);
    const plan = resolveJobPlan({
      request,
      profiles: this.profiles,
      preferences: this.deps.settingsStore.preferences(scannerId),
      scanDefaults: this.deps.scanDefaults,
      caps: entry.capabilities,
    });
    const { settings, adapted, ...output } = plan;
    const job = new ScanJob({ scannerId, scannerName: entry.record.name, settings, trigger, adapted, ...(request.id ? { clientId: request.id } : {}) });
    this.jobContexts.set(job, { ...output, ...(origin.schedule ? { schedule: origin.schedule } : {}) });
    if (adapted.length > 0) this.log.info({ scanner: scannerId, job: job.id, profile: output.profile, adapted }, 'profile adapted to the scanner');
    job.onEvent((event) => this.onJobEvent(entry, job, event));
    this.onJobEvent(entry, job, job.event);
    entry.queue.enqueue(job);
    return job.event;
  }

  /** The scanner's entry once it is known to be online, after a contact attempt when it is not. */
  private async reachable(scannerId: string): Promise<ScannerEntry> {
    // Capabilities kept from an earlier run are shown at once but not scanned with until the device confirms them.
    const ready = (e: ScannerEntry) => e.online && e.capabilitiesConfirmed && e.capabilities !== undefined;
    let entry = this.requireEntry(scannerId);
    let answered = true;
    if (!ready(entry) && !this.stopping) {
      if (!entry.contact.pending) {
        entry.contact.expect();
        this.poller.pollSoon(entry);
      }
      answered = await entry.contact.wait(CONTACT_WAIT_MS);
      entry = this.requireEntry(scannerId);
    }
    if (this.stopping) throw new ScanError('Cancelled', 'the gateway is shutting down');
    if (ready(entry)) return entry;
    const why = !answered
      ? ` (no answer within ${CONTACT_WAIT_MS / 1000} s)`
      : entry.lastPollError
        ? ` (last error: ${entry.lastPollError.code}: ${entry.lastPollError.message})`
        : '';
    throw new ScanError('DeviceOffline', `scanner ${scannerId} is offline${why}`);
  }

  cancelJob(scannerId: string, jobId?: string): boolean {
    return this.requireEntry(scannerId).queue.cancel(jobId);
  }

  discoverNow(): Promise<void> {
    for (const entry of this.entries.values()) this.poller.pollSoon(entry);
    return this.deps.discoverNow();
  }

  removeScanner(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    entry.removed = true;
    this.entries.delete(id);
    this.poller.stop(entry);
    this.deviceEvents.update(entry);
    entry.contact.settle();
    void entry.queue.cancelAll('scanner removed').then(() => entry.driver.close().catch(() => undefined));
    this.deps.registry.remove(id);
    void this.deps.settingsStore.forget(id);
    void this.deps.capabilitiesCache?.forget(id);
    this.emit('scannerRemoved', entry.view());
    return true;
  }

  renameScanner(id: string, name: string): ScannerView {
    const entry = this.requireEntry(id);
    const trimmed = checkScannerName(name);
    entry.record = { ...entry.record, name: trimmed };
    void this.deps.settingsStore.rename(entry.record.key, id, trimmed, id);
    const view = entry.view();
    this.emit('scannerChanged', view);
    return view;
  }

  health(): HealthReport {
    const entries = [...this.entries.values()];
    return {
      uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
      scanners: { total: entries.length, online: entries.filter((e) => e.online).length },
      queue: {
        running: entries.filter((e) => e.queue.running !== undefined).length,
        queued: entries.reduce((n, e) => n + e.queue.queued, 0),
      },
      last_errors: this.errors.list(),
      memory_rss_mb: Math.round(process.memoryUsage().rss / 1024 / 1024),
    };
  }

  getPreferences(scannerId: string): ScanPreferences {
    this.requireEntry(scannerId);
    return this.deps.settingsStore.preferences(scannerId);
  }

  effectivePreferences(scannerId: string): ScanPreferences {
    const entry = this.requireEntry(scannerId);
    const stored = this.deps.settingsStore.preferences(scannerId);
    if (!entry.capabilities) return stored;
    try {
      return effectiveChoices({ profiles: this.profiles, preferences: stored, scanDefaults: this.deps.scanDefaults, caps: entry.capabilities });
    } catch {
      // A `{}` scan would be refused (say a profile with adapt: refuse): show the choices as stored.
      return stored;
    }
  }

  setPreference<K extends keyof ScanPreferences>(scannerId: string, key: K, value: ScanPreferences[K]): ScanPreferences {
    const entry = this.requireEntry(scannerId);
    checkPreference(key, value, entry.capabilities, this.listProfiles());
    const next = { ...this.deps.settingsStore.preferences(scannerId), [key]: value };
    void this.deps.settingsStore.setPreferences(scannerId, next);
    return next;
  }

  listProfiles(): string[] {
    return [...this.profiles.keys()];
  }

  history(query: HistoryQuery = {}): JobHistoryEntry[] {
    return this.deps.history?.list(query) ?? [];
  }

  listDeliveries(): DeliveryView[] {
    return this.deps.deliveries?.list() ?? [];
  }

  dropDelivery(id: string): Promise<boolean> {
    return this.deps.deliveries?.drop(id) ?? Promise.resolve(false);
  }

  async retryDeliveries(id?: string): Promise<DeliveryRetryView[]> {
    if (this.deps.deliveries) return this.deps.deliveries.retry(id);
    if (id !== undefined) throw new ScanError('NotFound', `no waiting delivery with id ${id}`);
    return [];
  }

  on<E extends keyof GatewayEvents>(event: E, listener: GatewayEvents[E]): void {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
  }

  off<E extends keyof GatewayEvents>(event: E, listener: GatewayEvents[E]): void {
    this.emitter.off(event, listener as (...args: unknown[]) => void);
  }

  /** Publishes a button press (from a driver's sensors or WSD events). */
  reportButton(scannerId: string, button: string, action: string): void {
    this.emit('button', scannerId, { button, action });
  }

  /** Publishes a preview image of the last page. */
  reportPreview(scannerId: string, jpeg: Buffer): void {
    this.emit('preview', scannerId, jpeg);
  }

  /**
   * Someone (the triggers) listens to a scanner's device events, emitted as `deviceEvent`, until the
   * returned function is called; the scanner need not be known yet. Events flow only while it is
   * online and no job runs.
   */
  watchDeviceEvents(scannerId: string): () => void {
    return this.deviceEvents.watch(scannerId);
  }

  private adopt(record: DeviceRecord): void {
    if (this.stopping || this.entries.has(record.id)) return this.refresh(record);
    const renamed = this.deps.settingsStore.nameFor(record.key);
    const named = renamed ? { ...record, name: renamed } : record;
    let driver: ScannerDriver;
    try {
      driver = this.deps.createDriver(named);
    } catch (error) {
      this.log.error({ err: error, device: record.id }, 'cannot create a driver for this device');
      this.errors.add(record.id, error);
      return;
    }
    const entry: ScannerEntry = new ScannerEntry(named, driver, new JobQueue((job) => this.execute(entry, job)));
    // Known from an earlier run: published whole at once; the first poll asks the device again.
    entry.capabilities = this.deps.capabilitiesCache?.get(record.id);
    this.entries.set(record.id, entry);
    this.log.info({ scanner: record.id, protocol: record.protocol, url: entry.url }, 'scanner added');
    this.emit('scannerAdded', entry.view());
    this.emitState(entry);
    this.poller.pollSoon(entry);
  }

  private refresh(record: DeviceRecord): void {
    const entry = this.entries.get(record.id);
    if (!entry) return this.adopt(record);
    const urlChanged = record.endpoints[0]?.url !== entry.url;
    entry.record = { ...record, name: entry.record.name };
    if (urlChanged && !entry.queue.running) {
      void entry.driver.close().catch(() => undefined);
      entry.driver = this.deps.createDriver(entry.record);
      // Same device at a new address: keep what it can do on show, but ask it again.
      entry.capabilitiesConfirmed = false;
      this.deviceEvents.update(entry);
    }
    // Back in discovery while offline (or with a new address): commands wait for this poll's verdict.
    if (!entry.online || !entry.capabilitiesConfirmed) entry.contact.expect();
    this.poller.pollSoon(entry);
  }

  /** The registry dropped a record (merged into another by rekey, or forgotten). */
  private forgetEntry(id: string): void {
    const entry = this.entries.get(id);
    if (!entry || entry.removed) return;
    entry.removed = true;
    this.entries.delete(id);
    this.poller.stop(entry);
    this.deviceEvents.update(entry);
    entry.contact.settle();
    void entry.queue.cancelAll('scanner merged or removed').then(() => entry.driver.close().catch(() => undefined));
    void this.deps.capabilitiesCache?.forget(id);
    this.emit('scannerRemoved', entry.view());
  }

  private markLost(record: DeviceRecord): void {
    const entry = this.entries.get(record.id);
    if (!entry) return;
    this.log.info({ scanner: record.id }, 'scanner said goodbye');
    this.poller.markOffline(entry);
  }

  private async execute(entry: ScannerEntry, job: ScanJob): Promise<void> {
    this.poller.pollSoon(entry);
    // The device is the job's now: no sensor reads while it runs, and they resume once the queue drained.
    this.deviceEvents.update(entry);
    void entry.queue.whenIdle().then(() => this.deviceEvents.update(entry));
    try {
      await this.deps.checkStorage?.();
    } catch (error) {
      // Refused before the scanner moves paper: nothing was scanned that could not be kept.
      job.fail(error);
      return;
    }
    return runScanJob(job, {
      driver: entry.driver,
      openStorage: (j) => this.deps.openStorage(j, this.jobContexts.get(j) ?? { targets: [], document: {} }),
      logger: this.log.child({ scanner: entry.id }),
      ...(this.deps.jobBounds ? { bounds: this.deps.jobBounds } : {}),
      ...(this.deps.keepPartial !== undefined ? { keepPartial: this.deps.keepPartial } : {}),
      onDone: (done) => this.deps.onJobDone?.(entry.id, done),
    });
  }

  private onJobEvent(entry: ScannerEntry, job: ScanJob, event: JobEvent): void {
    if (entry.removed) return;
    this.emit('job', entry.id, event);
    if (job.finished) {
      entry.lastJob = event;
      this.recordHistory(job, event);
      if (event.error && event.state === 'failed') this.errors.add(entry.id, event.error);
      this.poller.pollSoon(entry);
    }
    if (event.bytes_received === undefined || job.finished) this.emitState(entry);
  }

  private recordHistory(job: ScanJob, event: JobEvent): void {
    const context = this.jobContexts.get(job);
    const { bytes_received: _progress, ...final } = event;
    const entry: JobHistoryEntry = {
      ...final,
      ...(context?.profile ? { profile: context.profile } : {}),
      target_names: context?.targets ?? [],
      ...(context?.schedule ? { schedule: context.schedule } : {}),
    };
    void this.deps.history?.record(entry);
  }

  /** The status poller stays the one owner of status: a device saying it changed is polled now. */
  private onDeviceEvent(entry: ScannerEntry, event: DeviceEvent): void {
    if (event.kind === 'status' || event.kind === 'job_ended') this.poller.pollSoon(entry);
    this.emit('deviceEvent', entry.id, event);
  }

  private emitState(entry: ScannerEntry): void {
    // Every change of availability or job state passes here: device events follow it.
    this.deviceEvents.update(entry);
    if (!entry.removed) this.emit('stateChanged', entry.id, entry.statePayload());
  }

  private requireEntry(id: string): ScannerEntry {
    const entry = this.entries.get(id);
    if (!entry) throw new ScanError('NotFound', `no scanner with id "${id}"`);
    return entry;
  }

  private emit<E extends keyof GatewayEvents>(event: E, ...args: Parameters<GatewayEvents[E]>): void {
    for (const listener of this.emitter.listeners(event)) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (error) {
        this.log.error({ err: error, event }, 'a gateway event listener failed');
      }
    }
  }
}
