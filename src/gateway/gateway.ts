/**
 * The gateway as publishers (MQTT, Home Assistant) see it: a thin facade over the scanner directory
 * (scanners, polling, availability), the job service (queues, sinks, history) and the preferences
 * service, each owning its state. It composes their events into GatewayEvents and state payloads.
 */
import { EventEmitter } from 'node:events';
import type { ScanCommand } from '../core/commands.js';
import { EVERY_SCANNER, type DeviceEvent } from '../core/device-events.js';
import { ScanError } from '../core/errors.js';
import type {
  DeliveryRetryView,
  DeliveryView,
  ButtonPress,
  GatewayApi,
  GatewayEvents,
  HealthReport,
  HistoryQuery,
  JobHistoryEntry,
  ScanPreferences,
  ScanTrigger,
  ScannerStatePayload,
  ScannerView,
  SubmitOptions,
} from '../core/gateway-api.js';
import type { JobEvent } from '../core/job.js';
import type { JobSink } from '../core/job-sink.js';
import type { Logger } from '../core/logger.js';
import type { ScanSettings } from '../core/settings.js';
import type { DeviceRecords, DriverFactory } from '../core/device-record.js';
import type { JobBounds } from '../jobs/job-bounds.js';
import type { ScanProfile } from '../profiles/profile.js';
import type { JobOutput } from '../profiles/resolve-job.js';
import type { CapabilitiesCache } from './capabilities-cache.js';
import { JobService } from './job-service.js';
import { PreferencesService } from './preferences-service.js';
import { RecentErrors } from './recent-errors.js';
import { DeviceEventFeed } from './device-event-feed.js';
import { ScannerDirectory } from './scanner-directory.js';
import type { ScannerSnapshot } from './scanner-entry.js';
import type { ScannerSettingsStore } from './scanner-settings-store.js';
import type { PollingSettings } from './status-poller.js';

/** How often a watched device that can only be polled for its events is read, unless configured. */
export const DEFAULT_DEVICE_EVENT_POLL_MS = 500;

/** Everything the gateway is built from. */
export interface GatewayDeps {
  registry: DeviceRecords;
  createDriver: DriverFactory;
  /** The default sink of a job: storage to the targets and with the document options its profile chose. */
  storageSink: (output: JobOutput) => JobSink;
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
  /** Where a scanner the eSCL server shares can be reached (`shared_url` on `bridge/devices`); absent: not shared. */
  sharedUrl?: (view: ScannerView) => string | undefined;
  /** The gateway's instance name, handed to drivers that register things on devices (WSD panel destinations). */
  instanceName?: string;
}

/** Implements GatewayApi over the scanner directory, the job service and the preferences service. */
export class Gateway implements GatewayApi {
  private readonly emitter = new EventEmitter();
  private readonly errors = new RecentErrors();
  private readonly startedAt = Date.now();
  private readonly log: Logger;
  /** The live scanners (read-only here). */
  readonly scanners: ScannerDirectory;
  /** Every scanner's job queue. */
  readonly jobs: JobService;
  /** Every scanner's preferences. */
  readonly preferences: PreferencesService;
  private readonly deviceEvents: DeviceEventFeed;
  /** Per scanner id (or `*`), how many triggers watch its status (polled faster). */
  private readonly statusWatchers = new Map<string, number>();

  constructor(private readonly deps: GatewayDeps) {
    this.log = deps.logger;
    this.emitter.setMaxListeners(50);
    const profiles = new Map((deps.profiles ?? []).map((p) => [p.name, p]));
    const reportError = (id: string, error: unknown) => this.errors.add(id, error);
    this.scanners = new ScannerDirectory({
      registry: deps.registry,
      createDriver: deps.createDriver,
      settingsStore: deps.settingsStore,
      ...(deps.capabilitiesCache ? { capabilitiesCache: deps.capabilitiesCache } : {}),
      logger: deps.logger,
      polling: deps.polling,
      discoverNow: deps.discoverNow,
      isBusy: (id) => this.jobs.isBusy(id),
      statusWatched: (id) => this.statusWatchers.has(id) || this.statusWatchers.has(EVERY_SCANNER),
      endJobs: (id, reason) => this.jobs.endJobs(id, reason),
      reportError,
    });
    this.preferences = new PreferencesService({ scanner: (id) => this.scanners.require(id), store: deps.settingsStore, profiles, scanDefaults: deps.scanDefaults });
    this.jobs = new JobService({
      scanners: this.scanners,
      storageSink: deps.storageSink,
      preferences: (id) => this.preferences.stored(id),
      profiles,
      scanDefaults: deps.scanDefaults,
      ...(deps.history ? { history: deps.history } : {}),
      ...(deps.jobBounds ? { jobBounds: deps.jobBounds } : {}),
      ...(deps.keepPartial !== undefined ? { keepPartial: deps.keepPartial } : {}),
      reportError,
      logger: deps.logger,
    });
    this.scanners.on('added', (s) => {
      this.emit('scannerAdded', this.viewOf(s));
      this.emitState(s.id);
    });
    this.deviceEvents = new DeviceEventFeed({
      logger: deps.logger.child({ component: 'device-events' }),
      pollIntervalMs: deps.deviceEventPollMs ?? DEFAULT_DEVICE_EVENT_POLL_MS,
      scanner: (id) => {
        const scanner = this.scanners.get(id);
        return scanner && { online: scanner.online, released: scanner.released, driver: this.scanners.driverOf(id) };
      },
      busy: (id) => this.jobs.isBusy(id),
      onEvent: (id, event) => this.onDeviceEvent(id, event),
      scannerIds: () => this.scanners.list().map((entry) => entry.id),
      ...(deps.instanceName ? { instance: deps.instanceName } : {}),
    });
    this.scanners.on('changed', (s) => {
      this.emit('scannerChanged', this.viewOf(s));
      // The driver may have been replaced (new address): a subscription follows it.
      this.deviceEvents.update(s.id);
    });
    this.scanners.on('availability', (s) => {
      this.emit('scannerChanged', this.viewOf(s));
      this.emitState(s.id);
    });
    this.scanners.on('status', (s) => this.emitState(s.id));
    this.scanners.on('released', (s) => this.emitState(s.id));
    this.scanners.on('removed', (s) => {
      this.deviceEvents.update(s.id);
      this.emit('scannerRemoved', this.viewOf(s));
    });
    this.jobs.on('job', (id, event) => this.emit('job', id, event));
    this.jobs.on('state', (id) => this.emitState(id));
    // The device is a job's while it runs: sensor reads resume once its queue has drained.
    this.jobs.on('idle', (id) => this.deviceEvents.update(id));
  }

  /** Subscribes to the registry and adopts every record it already holds. */
  start(): void {
    this.scanners.start();
  }

  /**
   * Stops polling, cancels jobs and waits until each has ended (its last event emitted and recorded like any
   * other), then emits every scanner's final state, `offline`: nobody watches it any more. Closes drivers.
   */
  async stop(): Promise<void> {
    this.deviceEvents.halt();
    this.scanners.halt();
    await this.jobs.stop();
    await this.scanners.release();
  }

  listScanners(): ScannerView[] {
    return this.scanners.list().map((s) => this.viewOf(s));
  }

  getScanner(id: string): ScannerView | undefined {
    const scanner = this.scanners.get(id);
    return scanner && this.viewOf(scanner);
  }

  /** A scanner's public view, with the URL it is shared at. */
  private viewOf(scanner: ScannerSnapshot): ScannerView {
    const view = scanner.view();
    const shared = this.deps.sharedUrl?.(view);
    if (shared !== undefined) view.shared_url = shared;
    return view;
  }

  getState(id: string): ScannerStatePayload | undefined {
    const scanner = this.scanners.get(id);
    return scanner && this.statePayload(scanner);
  }

  submitScan(scannerId: string, command: ScanCommand, trigger: ScanTrigger, options: SubmitOptions = {}): Promise<JobEvent> {
    return this.jobs.submit(scannerId, command, trigger, options);
  }

  cancelJob(scannerId: string, jobId?: string): boolean {
    return this.jobs.cancel(scannerId, jobId);
  }

  discoverNow(): Promise<void> {
    return this.scanners.discoverNow();
  }

  removeScanner(id: string): boolean {
    return this.scanners.remove(id);
  }

  renameScanner(id: string, name: string): ScannerView {
    return this.viewOf(this.scanners.rename(id, name));
  }

  health(): HealthReport {
    const scanners = this.scanners.list();
    return {
      uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
      scanners: { total: scanners.length, online: scanners.filter((s) => s.online).length },
      queue: this.jobs.totals(),
      last_errors: this.errors.list(),
      memory_rss_mb: Math.round(process.memoryUsage().rss / 1024 / 1024),
    };
  }

  getPreferences(scannerId: string): ScanPreferences {
    return this.preferences.get(scannerId);
  }

  effectivePreferences(scannerId: string): ScanPreferences {
    return this.preferences.effective(scannerId);
  }

  setPreference<K extends keyof ScanPreferences>(scannerId: string, key: K, value: ScanPreferences[K]): ScanPreferences {
    return this.preferences.set(scannerId, key, value);
  }

  listProfiles(): string[] {
    return this.preferences.profileNames();
  }

  history(query: HistoryQuery = {}): JobHistoryEntry[] {
    return this.jobs.history(query);
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

  /** Publishes a button press (from any trigger source) and what became of it. */
  reportButton(scannerId: string, press: ButtonPress): void {
    this.emit('button', scannerId, press);
  }

  /** True while a job runs on the scanner. */
  scannerBusy(scannerId: string): boolean {
    return this.jobs.isBusy(scannerId);
  }

  /** A trigger watches a scanner's status (`*`: every scanner's): polled every `polling.watched_s` while idle, until the returned function is called. */
  watchStatus(scannerId: string): () => void {
    this.statusWatchers.set(scannerId, (this.statusWatchers.get(scannerId) ?? 0) + 1);
    // Its next poll may be a whole idle interval away: start the faster rhythm now.
    for (const entry of this.scanners.list()) if (scannerId === EVERY_SCANNER || entry.id === scannerId) this.scanners.pollSoon(entry.id);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.statusWatchers.get(scannerId) ?? 1) - 1;
      if (left > 0) this.statusWatchers.set(scannerId, left);
      else this.statusWatchers.delete(scannerId);
    };
  }

  /** Publishes a preview image of the last page. */
  reportPreview(scannerId: string, jpeg: Buffer): void {
    this.emit('preview', scannerId, jpeg);
  }

  /**
   * Someone (the triggers) listens to a scanner's device events (`*`: every scanner's), for the named
   * buttons, emitted as `deviceEvent`, until the returned function is called; the scanner need not be known yet. Events flow only while it is
   * online and no job runs.
   */
  watchDeviceEvents(scannerId: string, buttons: readonly string[] = []): () => void {
    return this.deviceEvents.watch(scannerId, buttons);
  }

  /** A pushed status is shown at once (the directory owns it); a job that ended on the device makes it poll now. */
  private onDeviceEvent(scannerId: string, event: DeviceEvent): void {
    if (event.kind === 'status') this.scanners.applyPushedStatus(scannerId, event.status);
    else if (event.kind === 'job_ended') this.scanners.pollSoon(scannerId);
    this.emit('deviceEvent', scannerId, event);
  }

  /** The retained state payload: the directory's view of the device, the job service's of its jobs. */
  private statePayload(scanner: ScannerSnapshot): ScannerStatePayload {
    const running = this.jobs.running(scanner.id);
    const status = !scanner.online || scanner.released ? 'offline' : running ? 'processing' : (scanner.status?.state ?? 'idle');
    return { status, adf: scanner.online ? (scanner.status?.adf ?? null) : null, job: this.jobs.currentJob(scanner.id) };
  }

  private emitState(id: string): void {
    // Every change of availability or job state passes here: device events follow it.
    this.deviceEvents.update(id);
    const scanner = this.scanners.get(id);
    if (scanner) this.emit('stateChanged', id, this.statePayload(scanner));
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
