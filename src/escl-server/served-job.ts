/**
 * One eSCL job as the server keeps it: the sink its gateway job writes pages into (each page
 * converted to the client's format and kept in a file, so a dropped connection can fetch it
 * again and memory stays bounded), the client's place in the batch, and its eSCL state.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { JobSink, JobSinkSession } from '../core/job-sink.js';
import type { JobEvent } from '../core/job.js';
import type { ScannedPage } from '../core/scanner.js';
import type { EsclJobState, ServedJobInfo } from '../protocols/escl/server-status.js';
import { writeFileAtomic } from '../persistence/json-file.js';
import { pageDocument } from './page-document.js';

/** Where eSCL job paths live; SANE's escl backend 1.2.1 builds them from this prefix itself. */
export const JOBS_PATH = '/eSCL/ScanJobs';

/** One page ready to hand out. */
export interface ServedPage {
  path: string;
  bytes: number;
  mime: string;
  widthPx: number;
  heightPx: number;
  bytesPerLine: number;
}

/** A job's pages and place, and the eSCL view of its state. */
export class ServedJob {
  readonly uuid = randomUUID();
  readonly uri = `${JOBS_PATH}/${this.uuid}`;
  readonly pages: ServedPage[] = [];
  /** The next page the client has not received whole yet. */
  nextIndex = 0;
  /** The page ScanImageInfo describes: the last one handed out. */
  lastServed: ServedPage | undefined;
  gatewayJobId: string | undefined;
  /** When the device stopped sending pages (the batch's end), for the feeder state. */
  endedAt: number | undefined;
  private state: EsclJobState = 'Pending';
  private reasons: string[] = ['JobQueued'];
  private scanningDone = false;
  private changedAt = Date.now();
  private activeAt = Date.now();
  private waiters = new Set<() => void>();

  private readonly folder: string;

  /** `spoolFolder`: the scanner's folder; the job keeps its pages in a folder of its own inside. */
  constructor(
    spoolFolder: string,
    readonly mime: string,
    private readonly dpi: number,
    /** True for a feeder job. */
    readonly feeder = false,
  ) {
    this.folder = join(spoolFolder, this.uuid);
  }

  /** The sink the gateway job writes into. */
  readonly sink: JobSink = {
    open: (): JobSinkSession => {
      this.set('Processing', ['JobScanning']);
      return {
        addPage: (page, onProgress) => this.addPage(page, onProgress),
        finish: async () => {
          this.scanningDone = true;
          this.endedAt = Date.now();
          this.settle();
          this.wake();
          return { stored: [] };
        },
        abort: async () => {
          this.scanningDone = true;
          if (!this.final) this.set('Aborted', ['AbortedBySystem']);
        },
      };
    },
  };

  /** True once no more pages will come and the client cannot fetch any (or the job ended badly). */
  get final(): boolean {
    return this.state === 'Completed' || this.state === 'Canceled' || this.state === 'Aborted';
  }

  /** True while the job holds a place: not final and not all its pages fetched. */
  get open(): boolean {
    return !this.final;
  }

  /** True when no page will be added any more. */
  get ended(): boolean {
    return this.scanningDone || this.final;
  }

  /** Milliseconds since the client last asked about this job. */
  idleMs(now = Date.now()): number {
    return now - this.activeAt;
  }

  /** The client asked about the job (resets its idle timer). */
  touch(): void {
    this.activeAt = Date.now();
  }

  /** The gateway's job event for our job: a cancel or failure there ends the eSCL job too. */
  onGatewayEvent(event: JobEvent): void {
    if (event.state === 'cancelled' && !this.final) this.set('Canceled', ['JobCanceledByUser']);
    else if (event.state === 'failed' && !this.final) this.set('Aborted', [event.error?.code === 'AdfEmpty' ? 'ResourcesAreNotReady' : 'AbortedBySystem']);
    else if (event.state === 'done') this.scanningDone = true;
    this.settle();
    this.wake();
  }

  /**
   * A page is on its way to the client. The place moves on now, not when the response finishes:
   * a quick client asks for the next page before the server sees its last write complete.
   */
  sending(index: number): void {
    if (index === this.nextIndex) this.nextIndex += 1;
    this.settle();
  }

  /** The response carrying page `index` broke off: the client gets the same page again. */
  undelivered(index: number): void {
    // Only while it is the last page handed out: a later one served means the client has moved on.
    if (this.nextIndex !== index + 1) return;
    this.nextIndex = index;
    if (this.state === 'Completed') this.set('Processing', ['JobTransferring']);
  }

  /** Ends the job from the client's side (DELETE) or the server's (timeout); its files go. */
  async cancel(reason: 'JobCanceledByUser' | 'AbortedBySystem'): Promise<void> {
    if (!this.final) this.set(reason === 'JobCanceledByUser' ? 'Canceled' : 'Aborted', [reason]);
    this.wake();
    await this.dropFiles();
  }

  /** Removes the pages kept on disk. */
  dropFiles(): Promise<void> {
    return rm(this.folder, { recursive: true, force: true });
  }

  /** Resolves when a page arrives or the job changes, or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise((done) => {
      const timer = setTimeout(finish, ms);
      const waiters = this.waiters;
      function finish() {
        clearTimeout(timer);
        waiters.delete(finish);
        done();
      }
      waiters.add(finish);
    });
  }

  /** The job as ScannerStatus lists it. */
  info(now = Date.now()): ServedJobInfo {
    const completed = this.pages.length;
    return {
      uri: this.uri,
      uuid: this.uuid,
      age: (now - this.changedAt) / 1000,
      imagesCompleted: completed,
      imagesToTransfer: Math.max(0, completed - this.nextIndex),
      state: this.state,
      stateReasons: this.reasons,
    };
  }

  private async addPage(page: ScannedPage, onProgress?: (bytes: number) => void): Promise<void> {
    const raw = await collect(page.data, onProgress);
    const doc = await pageDocument(raw, this.mime, page.resolution ?? this.dpi);
    const path = join(this.folder, `page-${page.index}`);
    await writeFileAtomic(path, doc.bytes);
    if (this.final) {
      await this.dropFiles();
      return;
    }
    this.pages.push({ path, bytes: doc.bytes.length, mime: doc.mime, widthPx: doc.widthPx, heightPx: doc.heightPx, bytesPerLine: doc.bytesPerLine });
    this.reasons = ['JobScanning', 'JobTransferring'];
    this.changedAt = Date.now();
    this.wake();
  }

  /** Completed once scanning is done and every page was fetched. */
  private settle(): void {
    if (!this.final && this.scanningDone && this.nextIndex >= this.pages.length) this.set('Completed', ['JobCompletedSuccessfully']);
  }

  private set(state: EsclJobState, reasons: string[]): void {
    this.state = state;
    this.reasons = reasons;
    this.changedAt = Date.now();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

async function collect(stream: Readable, onProgress?: (bytes: number) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    chunks.push(buf);
    bytes += buf.length;
    onProgress?.(bytes);
  }
  return Buffer.concat(chunks);
}
