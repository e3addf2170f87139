/**
 * One shared scanner's eSCL jobs: submitting them to the gateway's queue with a served-job sink,
 * listing them (and the jobs other front doors started) for ScannerStatus, and ending the jobs
 * a client forgot, so the scanner is never held by a client that went away.
 */
import { ScanError } from '../core/errors.js';
import type { GatewayApi } from '../core/gateway-api.js';
import type { JobEvent, JobState } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import type { EsclJobState, ServedJobInfo, ServedStatus } from '../protocols/escl/server-status.js';
import { decodeScanSettings, toScanCommand } from '../protocols/escl/scan-settings-in.js';
import { JOBS_PATH, ServedJob } from './served-job.js';

/** Unfinished eSCL jobs one scanner takes at once; more are answered 503 (a real scanner takes one). */
export const MAX_OPEN_JOBS = 4;
/** Finished jobs still listed in ScannerStatus (clients match theirs by JobUri after the end). */
export const MAX_LISTED_JOBS = 16;
/**
 * After a feeder batch ran out of paper the feeder is empty, even on devices that cannot sense it
 * (SANE's test backend): it is reported empty this long, so sane-airscan reads the 404 that ended
 * the batch as "no more documents" rather than an error, yet SANE's escl backend (which wants
 * ScannerAdfLoaded before a feeder job) can start the next batch soon after.
 */
export const FEEDER_EMPTY_HOLD_MS = 10_000;
/** The dpi a PDF page is sized at when neither the request nor the page says. */
const DEFAULT_PDF_DPI = 300;
/** Jobs of other front doors (MQTT, schedules, buttons) listed beside the eSCL ones. */
const MAX_FOREIGN_JOBS = 8;

const FOREIGN_STATES: Readonly<Record<JobState, EsclJobState>> = {
  queued: 'Pending',
  scanning: 'Processing',
  storing: 'Processing',
  done: 'Completed',
  failed: 'Aborted',
  cancelled: 'Canceled',
};

/** What a shared scanner needs. */
export interface SharedScannerDeps {
  scannerId: string;
  gateway: GatewayApi;
  /** Where its jobs keep their pages. */
  spoolFolder: string;
  /** A job nobody asked about for this long is cancelled. */
  jobTimeoutMs: number;
  logger: Logger;
}

/** The eSCL jobs of one shared scanner. */
export class SharedScanner {
  private readonly jobs: ServedJob[] = [];
  private readonly foreign = new Map<string, JobEvent>();
  /** When a feeder batch last ended for want of paper. */
  private feederEmptyAt = 0;

  constructor(readonly deps: SharedScannerDeps) {}

  /** Decodes a client's ScanSettings and queues the scan; throws ScanError (InvalidRequest, ProtocolError, DeviceBusy…). */
  async submit(body: string): Promise<ServedJob> {
    const view = this.deps.gateway.getScanner(this.deps.scannerId);
    if (!view?.online || !view.capabilities) throw new ScanError('DeviceOffline', 'the scanner is offline');
    const { command, mime } = toScanCommand(decodeScanSettings(body), view.capabilities);
    if (this.jobs.filter((j) => j.open).length >= MAX_OPEN_JOBS) throw new ScanError('DeviceBusy', `${MAX_OPEN_JOBS} eSCL jobs are open on this scanner`);
    const placed = new ServedJob(this.deps.spoolFolder, mime, command.resolution ?? DEFAULT_PDF_DPI, command.source !== 'platen');
    this.jobs.push(placed);
    try {
      const event = await this.deps.gateway.submitScan(this.deps.scannerId, command, 'escl', { sink: placed.sink });
      placed.gatewayJobId = event.id;
      this.deps.logger.info({ job: event.id, escl_job: placed.uuid, mime }, 'eSCL job queued');
    } catch (error) {
      this.jobs.splice(this.jobs.indexOf(placed), 1);
      throw error;
    }
    this.trim();
    return placed;
  }

  /** The job at `/eSCL/ScanJobs/<uuid>`. */
  job(uuid: string): ServedJob | undefined {
    return this.jobs.find((j) => j.uuid === uuid);
  }

  /** Ends a job for its client (DELETE): cancels the gateway's job if it still runs. */
  async remove(job: ServedJob): Promise<void> {
    if (!job.ended && job.gatewayJobId) this.deps.gateway.cancelJob(this.deps.scannerId, job.gatewayJobId);
    await job.cancel('JobCanceledByUser');
  }

  /** A gateway job event for this scanner: our jobs follow it, others are listed. */
  onGatewayJob(event: JobEvent): void {
    const ours = this.jobs.find((j) => j.gatewayJobId === event.id);
    const feeder = event.settings !== undefined && event.settings.source !== 'platen';
    if (feeder && (event.state === 'done' || event.error?.code === 'AdfEmpty')) this.feederEmptyAt = Date.now();
    if (ours) {
      ours.onGatewayEvent(event);
      return;
    }
    if (event.trigger === 'escl') return;
    this.foreign.delete(event.id);
    this.foreign.set(event.id, event);
    while (this.foreign.size > MAX_FOREIGN_JOBS) this.foreign.delete(this.foreign.keys().next().value as string);
  }

  /** ScannerStatus: the live state, the feeder (null without one) and every listed job. */
  status(): ServedStatus {
    const view = this.deps.gateway.getScanner(this.deps.scannerId);
    const state = this.deps.gateway.getState(this.deps.scannerId);
    const hasFeeder = Boolean(view?.capabilities?.sources.adf ?? view?.capabilities?.sources.adf_duplex);
    const now = Date.now();
    const jobs: ServedJobInfo[] = [...this.jobs.map((j) => j.info(now)), ...[...this.foreign.values()].map((e) => foreignInfo(e, now))];
    const sensed = state?.adf ?? 'unknown';
    const emptyAt = Math.max(this.feederEmptyAt, ...this.jobs.filter((j) => j.feeder).map((j) => j.endedAt ?? 0));
    const adf = sensed === 'unknown' && now - emptyAt < FEEDER_EMPTY_HOLD_MS ? 'empty' : sensed;
    return { state: view?.online ? (state?.status ?? 'idle') : 'offline', adf: hasFeeder ? adf : null, jobs };
  }

  /** Jobs for the admin page, newest first. */
  recentJobs(): ServedJobInfo[] {
    return this.status().jobs.slice().sort((a, b) => a.age - b.age);
  }

  /** Cancels jobs their client forgot (never fetched, never deleted). */
  async sweep(now = Date.now()): Promise<void> {
    for (const job of this.jobs) {
      if (job.final || job.idleMs(now) < this.deps.jobTimeoutMs) continue;
      this.deps.logger.warn({ escl_job: job.uuid, job: job.gatewayJobId }, 'eSCL job not fetched in time: cancelled');
      if (!job.ended && job.gatewayJobId) this.deps.gateway.cancelJob(this.deps.scannerId, job.gatewayJobId);
      await job.cancel('AbortedBySystem');
    }
    this.trim();
  }

  /** Ends every job (the scanner is no longer shared, or the gateway stops). */
  async close(): Promise<void> {
    for (const job of this.jobs) {
      if (!job.ended && job.gatewayJobId) this.deps.gateway.cancelJob(this.deps.scannerId, job.gatewayJobId);
      await job.cancel('AbortedBySystem');
    }
    this.jobs.length = 0;
  }

  /** Keeps the listed finished jobs bounded (oldest go first, files with them). */
  private trim(): void {
    let finished = this.jobs.filter((j) => j.final).length;
    for (let i = 0; i < this.jobs.length && finished > MAX_LISTED_JOBS; ) {
      const job = this.jobs[i]!;
      if (job.final) {
        this.jobs.splice(i, 1);
        void job.dropFiles();
        finished -= 1;
      } else i += 1;
    }
  }
}

function foreignInfo(event: JobEvent, now: number): ServedJobInfo {
  const changed = Date.parse(event.finished_at ?? event.created_at);
  return {
    uri: `${JOBS_PATH}/${event.id}`,
    uuid: event.id,
    age: Number.isFinite(changed) ? (now - changed) / 1000 : 0,
    imagesCompleted: event.pages,
    imagesToTransfer: 0,
    state: FOREIGN_STATES[event.state],
    stateReasons: [event.state === 'done' ? 'JobCompletedSuccessfully' : event.state === 'queued' ? 'JobQueued' : 'JobScanning'],
  };
}
