/**
 * A small in-process ScannerDriver and JobSink for the gateway services' unit tests: the driver
 * answers from fields the test sets and yields pages of given bytes; the sink keeps what it got.
 */
import { Readable } from 'node:stream';
import { pino } from 'pino';
import type { ScannerCapabilities } from '../../src/core/capabilities.js';
import type { DeviceJob } from '../../src/core/device-events.js';
import { ScanError } from '../../src/core/errors.js';
import type { JobStorageResult } from '../../src/core/job.js';
import type { JobSink, SinkJob } from '../../src/core/job-sink.js';
import type { ScannedPage, ScannerDriver } from '../../src/core/scanner.js';
import type { ScanSettings } from '../../src/core/settings.js';
import type { ScannerStatus } from '../../src/core/status.js';

/** A logger that prints nothing. */
export const silentLogger = pino({ level: 'silent' });

/** Capabilities of a small flatbed with an ADF. */
export const FLATBED_CAPS: ScannerCapabilities = {
  protocol: 'escl',
  uuid: '6b1f4a52-6c1b-4c3b-9a55-0123456789ab',
  sources: {
    platen: { resolutions: [150, 300, 600], color_modes: ['color', 'gray'], formats: ['pdf', 'jpeg'], max_width_mm: 215.9, max_height_mm: 297 },
    adf: { resolutions: [150, 300], color_modes: ['gray'], formats: ['pdf'], max_width_mm: 215.9, max_height_mm: 355.6 },
  },
};

/** A driver whose answers the test controls. */
export class FakeDriver implements ScannerDriver {
  readonly protocol = 'escl' as const;
  capabilities: ScannerCapabilities = FLATBED_CAPS;
  status: ScannerStatus = { state: 'idle', adf: null };
  /** When set, every status/capabilities request fails with it (the device is unreachable). */
  failure: Error | undefined;
  /** The bytes of each page the next scans yield. */
  pages: Buffer[] = [Buffer.from('page one'), Buffer.from('page two')];
  /** Held before each page while set; resolve it to let the page through. */
  gate: Promise<void> | undefined;
  readonly scans: ScanSettings[] = [];
  /** The deviceJob each scan was given (undefined for ordinary jobs). */
  readonly deviceJobs: (DeviceJob | undefined)[] = [];
  /** Scans under way now; the job queue must keep this at most 1. */
  active = 0;
  maxActive = 0;
  closed = false;
  /** How often the status was asked for. */
  statusCalls = 0;

  async getCapabilities(): Promise<ScannerCapabilities> {
    if (this.failure) throw this.failure;
    return this.capabilities;
  }

  async getStatus(): Promise<ScannerStatus> {
    this.statusCalls += 1;
    if (this.failure) throw this.failure;
    return this.status;
  }

  async *scan(settings: ScanSettings, signal: AbortSignal, deviceJob?: DeviceJob): AsyncIterable<ScannedPage> {
    this.scans.push(settings);
    this.deviceJobs.push(deviceJob);
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      for (const [i, bytes] of this.pages.entries()) {
        // A real driver ends its job on the device when the job is cancelled; so does this one.
        const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        await Promise.race([this.gate, aborted]);
        if (signal.aborted) throw new ScanError('Cancelled', 'cancelled');
        yield { index: i + 1, data: Readable.from([bytes]), declaredType: 'image/jpeg' };
      }
    } finally {
      this.active -= 1;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** What a memory sink received for one job. */
export interface SinkRecord {
  job: SinkJob;
  pages: string[];
  finished: boolean;
  aborted: boolean;
}

/** A sink that keeps every page in memory (as an eSCL response or a preview would) and reports no files. */
export class MemorySink implements JobSink {
  readonly jobs: SinkRecord[] = [];
  /** When set, ready() rejects with it (the sink cannot take a job now). */
  refusal: Error | undefined;

  async ready(): Promise<void> {
    if (this.refusal) throw this.refusal;
  }

  open(job: SinkJob) {
    const record: SinkRecord = { job, pages: [], finished: false, aborted: false };
    this.jobs.push(record);
    return {
      addPage: async (page: ScannedPage, onProgress?: (bytes: number) => void) => {
        const chunks: Buffer[] = [];
        for await (const chunk of page.data) chunks.push(Buffer.from(chunk as Buffer));
        const bytes = Buffer.concat(chunks);
        onProgress?.(bytes.length);
        record.pages.push(bytes.toString());
      },
      finish: async (): Promise<JobStorageResult> => {
        record.finished = true;
        return { stored: [] };
      },
      abort: async () => {
        record.aborted = true;
      },
    };
  }
}
