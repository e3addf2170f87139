/** One scan job: its settings, its state machine and the events it emits. */
import { randomUUID } from 'node:crypto';
import { canTransition, FINAL_JOB_STATES, type JobEvent, type JobState, type JobStorageResult } from '../core/job.js';
import { PartlyStoredError, ScanError, toErrorPayload } from '../core/errors.js';
import type { ScanSettings } from '../core/settings.js';
import type { ScanTrigger } from '../core/gateway-api.js';

/** What a job needs to know at creation. */
export interface ScanJobInit {
  scannerId: string;
  scannerName: string;
  settings: ScanSettings;
  trigger: ScanTrigger;
  /** A client-chosen id; otherwise one is generated. */
  clientId?: string;
  adapted?: string[];
}

/** A job moving through queued → scanning → storing → done/failed/cancelled. */
export class ScanJob {
  readonly id: string;
  readonly scannerId: string;
  readonly scannerName: string;
  readonly settings: ScanSettings;
  readonly createdAt = new Date();
  readonly controller = new AbortController();
  private current: JobEvent;
  private readonly listeners = new Set<(event: JobEvent) => void>();

  constructor(init: ScanJobInit) {
    this.id = init.clientId ?? randomUUID().slice(0, 8);
    this.scannerId = init.scannerId;
    this.scannerName = init.scannerName;
    this.settings = init.settings;
    this.current = {
      id: this.id,
      scanner: init.scannerId,
      state: 'queued',
      pages: 0,
      files: [],
      settings: init.settings,
      trigger: init.trigger,
      created_at: this.createdAt.toISOString(),
      ...(init.adapted && init.adapted.length > 0 ? { adapted: init.adapted } : {}),
    };
  }

  /** The latest event (a copy). */
  get event(): JobEvent {
    return { ...this.current, files: [...this.current.files] };
  }

  get state(): JobState {
    return this.current.state;
  }

  get finished(): boolean {
    return FINAL_JOB_STATES.includes(this.current.state);
  }

  /** The signal protocols and storage watch for cancellation. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Subscribes to every event this job emits. */
  onEvent(listener: (event: JobEvent) => void): void {
    this.listeners.add(listener);
  }

  /** Moves to a new state; illegal transitions are programming errors. */
  transition(to: JobState, patch: Partial<JobEvent> = {}): void {
    if (!canTransition(this.current.state, to)) {
      throw new ScanError('Internal', `job ${this.id}: illegal transition ${this.current.state} -> ${to}`);
    }
    this.current = { ...this.current, ...patch, state: to };
    if (FINAL_JOB_STATES.includes(to)) this.current.finished_at = new Date().toISOString();
    this.emit();
  }

  /** Publishes progress without changing state (page count, bytes). */
  progress(patch: Pick<JobEvent, 'pages'> & Partial<Pick<JobEvent, 'bytes_received' | 'bytes_total'>>): void {
    this.current = { ...this.current, ...patch };
    this.emit();
  }

  /** Ends the job as done with the stored files and how each target took them. */
  complete(result: JobStorageResult): void {
    this.dropProgress();
    this.transition('done', storedFields(result));
  }

  /** Ends the job as failed although it stored the pages it got whole (`partial: true`). */
  failPartial(error: unknown, result: JobStorageResult): void {
    if (this.finished) return;
    this.dropProgress();
    this.transition('failed', { error: toErrorPayload(error), partial: true, ...storedFields(result) });
  }

  /** Ends the job as failed or cancelled, whichever the error means; files stored before the failure stay listed. */
  fail(error: unknown): void {
    if (this.finished) return;
    const payload = toErrorPayload(error);
    const stored = error instanceof PartlyStoredError ? storedFields(error.result) : {};
    if (payload.code === 'Cancelled') {
      this.transition('cancelled', { ...stored, error: payload });
    } else {
      this.transition('failed', { ...stored, error: payload });
    }
  }

  /** Asks the job to stop; the runner turns this into `cancelled`. */
  cancel(reason = 'cancelled by user'): void {
    if (this.finished) return;
    if (this.current.state === 'queued') {
      this.controller.abort(new ScanError('Cancelled', reason));
      this.transition('cancelled', { error: { code: 'Cancelled', message: reason } });
      return;
    }
    this.controller.abort(new ScanError('Cancelled', reason));
  }

  private dropProgress(): void {
    const { bytes_received: _b, ...rest } = this.current;
    this.current = rest as JobEvent;
  }

  private emit(): void {
    const snapshot = this.event;
    for (const listener of this.listeners) listener(snapshot);
  }
}

/** The job event fields that say what a job stored and where. */
function storedFields(result: JobStorageResult): Partial<JobEvent> {
  return {
    stored: result.stored,
    files: result.stored.map((f) => f.path),
    ...(result.targets ? { targets: result.targets } : {}),
    ...(result.removed_blank_pages && result.removed_blank_pages.length > 0 ? { removed_blank_pages: result.removed_blank_pages } : {}),
  };
}
