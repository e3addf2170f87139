/**
 * Scan jobs: one queue per scanner, shared by every front door (MQTT, Home Assistant, schedules,
 * buttons, later eSCL clients), each job writing into the sink its submitter chose. Owns the
 * queues, the last job of each scanner and the job history.
 */
import { EventEmitter } from 'node:events';
import type { ScanCommand } from '../core/commands.js';
import type { DeviceJob } from '../core/device-events.js';
import { ScanError } from '../core/errors.js';
import type { HistoryQuery, JobHistoryEntry, ScanPreferences, ScanTrigger, SubmitOptions } from '../core/gateway-api.js';
import type { JobEvent } from '../core/job.js';
import type { JobSink } from '../core/job-sink.js';
import type { Logger } from '../core/logger.js';
import type { ScannerDriver } from '../core/scanner.js';
import type { ScanSettings } from '../core/settings.js';
import type { JobBounds } from '../jobs/job-bounds.js';
import { JobQueue, MAX_QUEUED_JOBS } from '../jobs/job-queue.js';
import { runScanJob } from '../jobs/run-scan-job.js';
import { ScanJob } from '../jobs/scan-job.js';
import type { ScanProfile } from '../profiles/profile.js';
import { resolveJobPlan, type JobOutput } from '../profiles/resolve-job.js';
import type { ScannerSnapshot } from './scanner-entry.js';

/** The scanners as the job service sees them (the scanner directory). */
export interface JobScanners {
  require(id: string): ScannerSnapshot;
  reachable(id: string): Promise<ScannerSnapshot>;
  driverOf(id: string): ScannerDriver;
  pollSoon(id: string): void;
}

/** What the job service is built from. */
export interface JobServiceDeps {
  scanners: JobScanners;
  /** The default sink: storage to the targets (and with the document options) the job's profile chose. */
  storageSink: (output: JobOutput) => JobSink;
  /** A scanner's stored preferences, used where a command and its profile leave a field open. */
  preferences: (scannerId: string) => ScanPreferences;
  profiles: ReadonlyMap<string, ScanProfile>;
  scanDefaults: Partial<ScanSettings>;
  /** Where finished jobs are recorded (job history). */
  history?: { record(entry: JobHistoryEntry): Promise<void>; list(query?: HistoryQuery): JobHistoryEntry[] };
  /** Bounds every job runs under (defaults: DEFAULT_JOB_BOUNDS). */
  jobBounds?: Partial<JobBounds>;
  /** Store the complete pages of a batch the device broke off (default true). */
  keepPartial?: boolean;
  /** Keeps a failure for the health report. */
  reportError: (scannerId: string, error: unknown) => void;
  logger: Logger;
}

/** What the job service tells its listeners. */
export interface JobServiceEvents {
  job: [scannerId: string, event: JobEvent];
  /** The scanner's running or last job changed (its state payload must be published again). */
  state: [scannerId: string];
  /** The scanner's queue has drained: no job runs or waits. */
  idle: [scannerId: string];
}

/** One scanner's jobs; `ended` once the scanner went away, after which its jobs' events are not told. */
interface ScannerJobs {
  queue: JobQueue;
  lastJob: JobEvent | null;
  ended: boolean;
}

/** Per-job facts the job event does not carry: where the output goes, what started it. */
interface JobContext extends JobOutput {
  sink: JobSink;
  schedule?: string;
  deviceJob?: DeviceJob;
}

/** Owns every scanner's job queue. */
export class JobService extends EventEmitter<JobServiceEvents> {
  private readonly scanners = new Map<string, ScannerJobs>();
  private readonly contexts = new WeakMap<ScanJob, JobContext>();

  constructor(private readonly deps: JobServiceDeps) {
    super();
    this.setMaxListeners(50);
  }

  /**
   * Settings precedence (src/profiles/resolve-job.ts): command > profile (the command's, else the
   * scanner's preferred one) > preferences > scan.defaults > device. A scanner not reached yet is
   * contacted first (bounded wait, see ScannerDirectory.reachable). Resolves with the queued job event.
   */
  async submit(scannerId: string, command: ScanCommand, trigger: ScanTrigger, options: SubmitOptions = {}): Promise<JobEvent> {
    this.deps.scanners.require(scannerId);
    if (command.profile !== undefined && !this.deps.profiles.has(command.profile)) {
      throw new ScanError('InvalidRequest', `unknown profile "${command.profile}"`);
    }
    const scanner = await this.deps.scanners.reachable(scannerId);
    if (!scanner.capabilities) throw new ScanError('Internal', `scanner ${scannerId} is online without capabilities`);
    const jobs = this.jobsOf(scannerId);
    if (jobs.queue.queued >= MAX_QUEUED_JOBS) throw new ScanError('DeviceBusy', `scanner ${scannerId} has ${MAX_QUEUED_JOBS} jobs waiting already`);
    const plan = resolveJobPlan({
      request: command,
      profiles: this.deps.profiles,
      preferences: this.deps.preferences(scannerId),
      scanDefaults: this.deps.scanDefaults,
      caps: scanner.capabilities,
    });
    const { settings, adapted, ...output } = plan;
    const job = new ScanJob({ scannerId, scannerName: scanner.record.name, settings, trigger, adapted, ...(command.id ? { clientId: command.id } : {}) });
    const sink = options.sink ?? this.deps.storageSink(output);
    this.contexts.set(job, { ...output, sink, ...(options.schedule ? { schedule: options.schedule } : {}), ...(options.deviceJob ? { deviceJob: options.deviceJob } : {}) });
    if (adapted.length > 0) this.deps.logger.info({ scanner: scannerId, job: job.id, profile: output.profile, adapted }, 'profile adapted to the scanner');
    job.onEvent((event) => this.onJobEvent(scannerId, jobs, job, event));
    this.onJobEvent(scannerId, jobs, job, job.event);
    jobs.queue.enqueue(job);
    return job.event;
  }

  /** Cancels the running (or a queued) job; false when there was nothing to cancel. Throws NotFound for an unknown scanner. */
  cancel(scannerId: string, jobId?: string): boolean {
    this.deps.scanners.require(scannerId);
    return this.jobsOf(scannerId).queue.cancel(jobId);
  }

  /** The job running on a scanner, if any. */
  running(scannerId: string): JobEvent | undefined {
    const job = this.scanners.get(scannerId)?.queue.running;
    return job && !job.finished ? job.event : undefined;
  }

  /** True while a job holds the scanner (also while it ends). */
  isBusy(scannerId: string): boolean {
    return this.scanners.get(scannerId)?.queue.running !== undefined;
  }

  /** The running job's event, else the last finished one's (the `job` field of the state payload). */
  currentJob(scannerId: string): JobEvent | null {
    const jobs = this.scanners.get(scannerId);
    return jobs?.queue.running?.event ?? jobs?.lastJob ?? null;
  }

  /** Jobs running and waiting across all scanners, for the health report. */
  totals(): { running: number; queued: number } {
    const all = [...this.scanners.values()];
    return { running: all.filter((j) => j.queue.running !== undefined).length, queued: all.reduce((n, j) => n + j.queue.queued, 0) };
  }

  /** The scanner went away: cancels its jobs and waits until they ended; their events are no longer told. */
  async endJobs(scannerId: string, reason: string): Promise<void> {
    const jobs = this.scanners.get(scannerId);
    if (!jobs) return;
    jobs.ended = true;
    this.scanners.delete(scannerId);
    await jobs.queue.cancelAll(reason);
  }

  /** Shutdown: cancels every job and waits until each has ended (its last event told and recorded like any other). */
  async stop(): Promise<void> {
    await Promise.all([...this.scanners.values()].map((j) => j.queue.cancelAll('gateway shutting down')));
  }

  /** Finished jobs, newest first. */
  history(query: HistoryQuery = {}): JobHistoryEntry[] {
    return this.deps.history?.list(query) ?? [];
  }

  private jobsOf(scannerId: string): ScannerJobs {
    let jobs = this.scanners.get(scannerId);
    if (!jobs) {
      const created: ScannerJobs = { queue: new JobQueue((job) => this.execute(scannerId, job)), lastJob: null, ended: false };
      jobs = created;
      this.scanners.set(scannerId, created);
    }
    return jobs;
  }

  private async execute(scannerId: string, job: ScanJob): Promise<void> {
    this.deps.scanners.pollSoon(scannerId);
    void this.scanners.get(scannerId)?.queue.whenIdle().then(() => this.emit('idle', scannerId));
    const context = this.contexts.get(job);
    const sink = context?.sink ?? this.deps.storageSink({ targets: [], document: {} });
    try {
      await sink.ready?.();
    } catch (error) {
      // Refused before the scanner moves paper: nothing was scanned that could not be kept.
      job.fail(error);
      return;
    }
    return runScanJob(job, {
      driver: this.deps.scanners.driverOf(scannerId),
      sink,
      logger: this.deps.logger.child({ scanner: scannerId }),
      ...(this.deps.jobBounds ? { bounds: this.deps.jobBounds } : {}),
      ...(this.deps.keepPartial !== undefined ? { keepPartial: this.deps.keepPartial } : {}),
      ...(context?.deviceJob ? { deviceJob: context.deviceJob } : {}),
    });
  }

  private onJobEvent(scannerId: string, jobs: ScannerJobs, job: ScanJob, event: JobEvent): void {
    if (jobs.ended) return;
    this.emit('job', scannerId, event);
    if (job.finished) {
      jobs.lastJob = event;
      this.recordHistory(job, event);
      if (event.error && event.state === 'failed') this.deps.reportError(scannerId, event.error);
      this.deps.scanners.pollSoon(scannerId);
    }
    if (event.bytes_received === undefined || job.finished) this.emit('state', scannerId);
  }

  private recordHistory(job: ScanJob, event: JobEvent): void {
    const context = this.contexts.get(job);
    const { bytes_received: _progress, ...final } = event;
    const entry: JobHistoryEntry = {
      ...final,
      ...(context?.profile ? { profile: context.profile } : {}),
      target_names: context?.targets ?? [],
      ...(context?.schedule ? { schedule: context.schedule } : {}),
    };
    void this.deps.history?.record(entry);
  }
}
