/**
 * The simulated scanner's state machine: feeder, jam, jobs, and the answer a
 * real device gives to ScanJobs / NextDocument / DELETE. No I/O here; the HTTP
 * layer asks this model what to answer.
 */
import type { SimDeviceCaps } from './device-caps.js';
import type { FaultBook } from './faults.js';
import { newJobIdentity, type LocationStyle } from './location.js';
import { resolveScanSettings } from './resolve-settings.js';
import type { SimScanSettings } from './scan-settings.js';
import { deleteJob, finishJob, isActive, newSimJob, type SimJob } from './sim-job.js';
import type { SimAdfState, SimStatusSnapshot } from './status-xml.js';

/** What a device answers to NextDocument when the feeder is empty at job start (AirSane: 409). */
export type EmptyFeederAnswer = 404 | 409;

/** Settings of the model. */
export interface DeviceModelOptions {
  readonly caps: SimDeviceCaps;
  readonly faults: FaultBook;
  readonly basePath: string;
  readonly locationStyle: LocationStyle;
  readonly adfPages: number;
  readonly emptyFeederAnswer: EmptyFeederAnswer;
}

/** Answer to POST ScanJobs. */
export type CreateJobAnswer = { status: 201; job: SimJob } | { status: 409 | 503; reason: string };

/** Answer to GET NextDocument. */
export type NextDocumentAnswer = { status: 200; job: SimJob; pageNumber: number } | { status: 404 | 409 | 410 | 500 | 503; reason: string };

/** The device state behind the HTTP front. */
export class DeviceModel {
  /** Every job ever created, oldest first. */
  readonly jobs: SimJob[] = [];
  private feederPages: number;
  private jammed = false;
  private jobSequence = 0;
  /** Jobs ended by a jam, with what their later NextDocument requests get. */
  private readonly jamFollowUps = new Map<SimJob, 404 | 500>();

  constructor(private readonly options: DeviceModelOptions) {
    this.feederPages = options.adfPages;
  }

  /** Puts `pages` sheets in the feeder (replacing what was there) and clears a jam. */
  loadAdf(pages: number): void {
    this.feederPages = Math.max(0, Math.floor(pages));
    this.jammed = false;
  }

  /** Sheets left in the feeder. */
  get adfPagesLeft(): number {
    return this.feederPages;
  }

  /** Handles POST ScanJobs with parsed settings. */
  createJob(settings: SimScanSettings, now: number): CreateJobAnswer {
    const { faults } = this.options;
    if (faults.take('busy')) return { status: 503, reason: 'busy (injected)' };
    // Real devices stay busy until the previous job is finished or DELETEd (ipp-usb PR #128, AirSane "Device busy").
    if (this.jobs.some(isActive)) return { status: 503, reason: 'previous job still active' };
    if (faults.take('conflict')) return { status: 409, reason: 'conflict (injected)' };
    const outcome = resolveScanSettings(settings, this.options.caps);
    if (!outcome.ok) return { status: 409, reason: outcome.reason };
    this.jobSequence += 1;
    const identity = newJobIdentity(this.options.locationStyle, this.options.basePath, this.jobSequence);
    const feederSides = outcome.scan.duplex ? this.feederPages * 2 : this.feederPages;
    const job = newSimJob(identity.id, identity.uri, identity.uuid, outcome.scan, now, feederSides);
    this.jobs.push(job);
    return { status: 201, job };
  }

  /** Finds a job by the id segment of its URI. */
  findJob(id: string): SimJob | undefined {
    return this.jobs.find((job) => job.id === id);
  }

  /** Handles GET {job}/NextDocument: a page to send, or the status code a device would answer. */
  nextDocument(job: SimJob, now: number): NextDocumentAnswer {
    const { faults } = this.options;
    if (job.deleted) return { status: 404, reason: 'job deleted' };
    if (faults.take('busy')) return { status: 503, reason: 'busy (injected)' };
    const afterJam = this.jamFollowUps.get(job);
    if (afterJam !== undefined) return { status: afterJam, reason: 'job aborted by jam' };
    if (job.state !== 'Processing') return { status: 404, reason: 'no more documents' };
    if (faults.take('xerox-410')) return { status: 410, reason: 'not ready (Xerox 410)' };
    return job.scan.feeder ? this.nextFeederPage(job, now) : this.platenPage(job, now);
  }

  private platenPage(job: SimJob, now: number): NextDocumentAnswer {
    job.imagesCompleted = 1;
    finishJob(job, 'Completed', 'JobCompletedSuccessfully', now);
    return { status: 200, job, pageNumber: 1 };
  }

  private nextFeederPage(job: SimJob, now: number): NextDocumentAnswer {
    const { faults } = this.options;
    // A jammed feeder feeds nothing until someone clears it (loadAdf).
    if (this.jammed) return { status: 503, reason: 'ADF jammed' };
    const jam = faults.peek('jam');
    const endless = faults.peek('endless-adf') !== undefined;
    const pagesLeft = endless || job.backSidePending || this.feederPages > 0;
    if (jam && pagesLeft && job.imagesCompleted >= jam.afterPages) {
      faults.take('jam');
      this.jammed = true;
      this.jamFollowUps.set(job, jam.then ?? 404);
      finishJob(job, 'Aborted', 'AbortedBySystem', now);
      return { status: 503, reason: 'ADF jam' };
    }
    if (!pagesLeft) {
      const emptyAtStart = job.imagesCompleted === 0;
      finishJob(job, emptyAtStart ? 'Aborted' : 'Completed', emptyAtStart ? 'ResourcesAreNotReady' : 'JobCompletedSuccessfully', now);
      return { status: emptyAtStart ? this.options.emptyFeederAnswer : 404, reason: 'feeder empty' };
    }
    if (job.imagesCompleted > 0 && faults.take('false-404')) return { status: 404, reason: 'false 404 (Brother)' };
    if (job.backSidePending) job.backSidePending = false;
    else {
      this.feederPages = Math.max(0, this.feederPages - 1);
      job.backSidePending = job.scan.duplex;
    }
    job.imagesCompleted += 1;
    const sheetsLeft = endless ? Math.max(1, this.feederPages) : this.feederPages;
    job.imagesToTransfer = (job.scan.duplex ? sheetsLeft * 2 : sheetsLeft) + (job.backSidePending ? 1 : 0);
    return { status: 200, job, pageNumber: job.imagesCompleted };
  }

  /** Handles DELETE {job}; false when the job is unknown. */
  deleteJob(id: string, now: number): boolean {
    const job = this.findJob(id);
    if (!job || job.deleted) return false;
    deleteJob(job, now);
    return true;
  }

  /** Current device state for ScannerStatus. */
  snapshot(now: number): SimStatusSnapshot {
    return {
      version: this.options.caps.version ?? '2.0',
      state: this.jobs.some(isActive) ? 'Processing' : 'Idle',
      adfState: this.adfState(),
      jobs: this.jobs,
      now,
    };
  }

  private adfState(): SimAdfState | undefined {
    const { sources } = this.options.caps;
    if (!sources['adf-simplex'] && !sources['adf-duplex']) return undefined;
    if (this.jammed) return 'ScannerAdfJam';
    return this.feederPages > 0 || this.options.faults.peek('endless-adf') ? 'ScannerAdfLoaded' : 'ScannerAdfEmpty';
  }
}
