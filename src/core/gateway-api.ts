/**
 * What the MQTT and Home Assistant layers may ask of the gateway and hear from it.
 * They import this file (and other core types) only, never a protocol or discovery module.
 */
import type { ProtocolName, ScannerCapabilities } from './capabilities.js';
import type { DeviceEvent, DeviceJob } from './device-events.js';
import type { ScanCommand } from './commands.js';
import type { JobEvent } from './job.js';
import type { JobSink } from './job-sink.js';
import type { ScanSettings } from './settings.js';
import type { AdfState, PublishedScannerState } from './status.js';

/** A scanner as published on `bridge/devices` and used for HA discovery. */
export interface ScannerView {
  id: string;
  name: string;
  manufacturer?: string;
  model?: string;
  serial?: string;
  firmware?: string;
  protocol: ProtocolName;
  url: string;
  admin_url?: string;
  /** The eSCL URL the gateway shares this scanner at (issue 12), when it does. */
  shared_url?: string;
  online: boolean;
  capabilities?: ScannerCapabilities;
}

/** The retained `scan2mqtt/<id>` state payload. */
export interface ScannerStatePayload {
  status: PublishedScannerState;
  adf: AdfState | null;
  job: JobEvent | null;
}

/**
 * What became of a press: a scan `started` (the scanner was free) or `queued` behind a running job,
 * `refused` (with a reason: busy under `button_busy: refuse`, or the scan could not be submitted),
 * `event` (an `action: event` binding: published only), `unbound` (no binding for the button).
 */
export type ButtonOutcome = 'started' | 'queued' | 'refused' | 'event' | 'unbound';

/** A press of a scanner's own button (or a virtual one, `adf_loaded`), and what the gateway did about it. */
export interface ButtonPress {
  button: string;
  action: string;
  result?: ButtonOutcome;
  /** The job the press started or queued. */
  job?: string;
  /** Why a press was refused. */
  reason?: string;
}

/** Health report for `bridge/request/health`. */
export interface HealthReport {
  uptime_s: number;
  scanners: { total: number; online: number };
  queue: { running: number; queued: number };
  last_errors: { at: string; scanner?: string; code: string; message: string }[];
  memory_rss_mb: number;
}

/** Events the gateway emits for publishers. */
export interface GatewayEvents {
  scannerAdded: (view: ScannerView) => void;
  scannerRemoved: (view: ScannerView) => void;
  /** Identity, availability or capabilities changed. */
  scannerChanged: (view: ScannerView) => void;
  stateChanged: (scannerId: string, state: ScannerStatePayload) => void;
  job: (scannerId: string, event: JobEvent) => void;
  button: (scannerId: string, press: ButtonPress) => void;
  /** Something a watched scanner pushed (src/core/device-events.ts); the triggers turn bound presses into `button` and scans. */
  deviceEvent: (scannerId: string, event: DeviceEvent) => void;
  /** A small JPEG of the last scanned page, for the Home Assistant image entity. */
  preview: (scannerId: string, jpeg: Buffer) => void;
}

/** The per-scanner settings a Home Assistant select (or a bare `{}` scan command) uses; persisted. */
export interface ScanPreferences {
  source?: ScanSettings['source'];
  resolution?: number;
  color_mode?: ScanSettings['color_mode'];
  format?: ScanSettings['format'];
  profile?: string;
}

/** The preference keys a Home Assistant select (and `<base>/<id>/set/<key>`) can change. */
export type PreferenceKey = keyof ScanPreferences;

/** Every preference key, in the order the selects appear. */
export const PREFERENCE_KEYS: readonly PreferenceKey[] = ['source', 'resolution', 'color_mode', 'format', 'profile'];

/** One finished job as kept in the job history (`bridge/request/history`). */
export interface JobHistoryEntry extends JobEvent {
  /** The profile the job used, if any. */
  profile?: string;
  /** Names of the targets the profile chose (empty = the default folder); `targets` holds how each took the job. */
  target_names?: string[];
  /** The schedule that started the job, if any. */
  schedule?: string;
}

/** Which history entries to return; newest first. */
export interface HistoryQuery {
  scanner?: string;
  limit?: number;
}

/** A document waiting in the delivery spool for a remote target (retried across restarts). */
export interface DeliveryView {
  id: string;
  target: string;
  /** pending: retried with backoff; failed: waits for the operator (drop or fix and retry). */
  state: 'pending' | 'failed';
  job: string;
  scanner: string;
  pages: number;
  bytes: number;
  attempts: number;
  last_error?: string;
  next_attempt_at?: string;
  created_at: string;
}

/** What retrying one waiting delivery did (`bridge/request/delivery/retry`). */
export interface DeliveryRetryView {
  id: string;
  target: string;
  /** delivered: it arrived now; pending: still failing, retried later; failed: still failing, waits for the operator. */
  status: 'delivered' | 'pending' | 'failed';
  error?: string;
  next_attempt_at?: string;
}

/** Who asked for a scan; recorded in the job. */
export type ScanTrigger = NonNullable<JobEvent['trigger']>;

/** How a scan was asked for, beyond its command and trigger. */
export interface SubmitOptions {
  /** The schedule that asked, recorded in the job history. */
  schedule?: string;
  /** Where the pages go; storage to the profile's targets when not given. */
  sink?: JobSink;
  /** The device's side of a button-started scan (ButtonEvent.deviceJob), handed to the driver. */
  deviceJob?: DeviceJob;
}

/** Operations the publishers can call. Errors are thrown as ScanError. */
export interface GatewayApi {
  listScanners(): ScannerView[];
  getScanner(id: string): ScannerView | undefined;
  getState(id: string): ScannerStatePayload | undefined;
  /**
   * Queues a scan (the command already parsed at its edge); resolves with the queued job event, rejects with
   * ScanError when refused. A scanner whose state is not known yet is waited for (bounded), so the answer may come seconds later.
   */
  submitScan(scannerId: string, command: ScanCommand, trigger: ScanTrigger, options?: SubmitOptions): Promise<JobEvent>;
  /** Cancels the running (or a queued) job; returns false when there was nothing to cancel. */
  cancelJob(scannerId: string, jobId?: string): boolean;
  discoverNow(): Promise<void>;
  removeScanner(id: string): boolean;
  renameScanner(id: string, name: string): ScannerView;
  health(): HealthReport;
  /** The scanner's persisted preferences used when a command omits a field. */
  getPreferences(scannerId: string): ScanPreferences;
  /**
   * What a bare `{}` scan would use now: the stored choices completed by the preferred profile,
   * `scan.defaults` and the device's defaults (the stored choices alone while capabilities are unknown).
   */
  effectivePreferences(scannerId: string): ScanPreferences;
  /** Changes one preference (validated against capabilities) and persists it. */
  setPreference<K extends keyof ScanPreferences>(scannerId: string, key: K, value: ScanPreferences[K]): ScanPreferences;
  /** Names of configured profiles (empty until profiles exist). */
  listProfiles(): string[];
  /** Finished jobs, newest first (bounded, persisted across restarts). */
  history(query?: HistoryQuery): JobHistoryEntry[];
  /** Documents waiting for a remote target. */
  listDeliveries(): DeliveryView[];
  /** Drops a waiting delivery; false when there is none with that id. */
  dropDelivery(id: string): Promise<boolean>;
  /** Retries one waiting delivery now, or every one without an id; throws ScanError('NotFound') for an unknown id. */
  retryDeliveries(id?: string): Promise<DeliveryRetryView[]>;
  on<E extends keyof GatewayEvents>(event: E, listener: GatewayEvents[E]): void;
  off<E extends keyof GatewayEvents>(event: E, listener: GatewayEvents[E]): void;
}
