/**
 * One WS-Scan job (PROTOCOLS.md B.4/B.5): CreateScanJob, then RetrieveImage until the device
 * says there are no more images, and a CancelJob when the job ends early (cancel or failure).
 * No GetJobStatus: Epson WF-3640 lacks it, and RetrieveImage alone tells the end of a batch.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import { ScanError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ScannedPage } from '../../core/scanner.js';
import type { ScanSettings } from '../../core/settings.js';
import { transportError, type WsdClient } from './client.js';
import { WsdFaultError } from './faults.js';
import type { WsdNativeCaps } from './native.js';
import {
  buildCancelJob,
  buildCreateScanJob,
  buildRetrieveImage,
  imageContentId,
  parseCancelJobResponse,
  parseCreateScanJobResponse,
  type CreatedScanJob,
  type PanelJobIdentity,
} from './scan-ops.js';
import { buildScanTicket, type TicketQuirks } from './scan-ticket.js';
import { parseSoapEnvelope } from './soap.js';
import { TEMPORARY_REASONS, type WsdStatus } from './status.js';
import type { WsdTiming } from './timing.js';

/** What a job needs from its driver. */
export interface WsdJobDeps {
  client: WsdClient;
  serviceUrl: string;
  timing: WsdTiming;
  logger: Logger;
  quirks: TicketQuirks;
  /** Reads ScannerStatus (to tell a passing busy state from a refusal). */
  readStatus(signal: AbortSignal): Promise<WsdStatus>;
}

/** MIME type of each WS-Scan format, for image parts declared as application/octet-stream. */
const FORMAT_MIME: Readonly<Record<string, string>> = {
  jfif: 'image/jpeg',
  exif: 'image/jpeg',
  png: 'image/png',
  'pdf-a': 'application/pdf',
};

/** Runs one job and yields its pages; cancels it on the device if it ends early. */
export async function* runWsdJob(deps: WsdJobDeps, settings: ScanSettings, native: WsdNativeCaps, signal: AbortSignal, panel?: PanelJobIdentity): AsyncGenerator<ScannedPage> {
  if (signal.aborted) throw new ScanError('Cancelled', 'cancelled before the job started');
  const ticket = buildScanTicket(settings, native, deps.quirks);
  deps.logger.debug({ format: ticket.format, color: ticket.colorProcessing, source: settings.source }, 'WSD: creating job');
  const job = await guard(createJob(deps, ticket.xml, settings, signal, panel), signal);
  const format = job.finalFormat ?? ticket.format;
  let finished = false;
  let open: Readable | undefined;
  try {
    for (let index = 1; ; index += 1) {
      const message = await guard(retrieveImage(deps, job, index, signal), signal);
      if (!message) {
        if (index === 1) throw new ScanError(settings.source === 'platen' ? 'DeviceError' : 'AdfEmpty', settings.source === 'platen' ? 'the scanner delivered no image' : 'no paper in the document feeder');
        break;
      }
      open = message.image;
      const declared = message.imageType && message.imageType !== 'application/octet-stream' ? message.imageType : FORMAT_MIME[format.toLowerCase()] ?? (format.startsWith('tiff') ? 'image/tiff' : undefined);
      const page: ScannedPage = { index, data: message.image, resolution: job.finalResolution ?? settings.resolution };
      if (declared) page.declaredType = declared;
      if (job.image.pixelsPerLine !== undefined) page.widthPx = job.image.pixelsPerLine;
      if (job.image.numberOfLines !== undefined) page.heightPx = job.image.numberOfLines;
      yield page;
      await guard(message.done, signal);
      open = undefined;
      // The platen holds one image (ImagesToTransfer 1); asking again only earns a fault.
      if (settings.source === 'platen') break;
    }
    finished = true;
  } finally {
    open?.destroy();
    if (!finished) await cancelJob(deps, job.jobId);
  }
}

/** Awaits `work`, turning anything thrown after a cancel into ScanError('Cancelled'). */
async function guard<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (signal.aborted) throw new ScanError('Cancelled', 'cancelled', { cause: error });
    throw error instanceof ScanError ? error : transportError(error, signal, 'WSD job');
  }
}

async function createJob(deps: WsdJobDeps, ticketXml: string, settings: ScanSettings, signal: AbortSignal, panel?: PanelJobIdentity): Promise<CreatedScanJob> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const xml = await deps.client.call(deps.serviceUrl, buildCreateScanJob(deps.serviceUrl, ticketXml, panel), 'CreateScanJob', { signal });
      return parseCreateScanJobResponse(xml);
    } catch (error) {
      if (!(error instanceof WsdFaultError) || error.code !== 'DeviceBusy') throw error;
      const status = await deps.readStatus(signal).catch(() => undefined);
      // Canon MF410 refuses jobs while idle when its feeder is empty.
      if (status?.status.state === 'idle' && settings.source !== 'platen' && error.fault.subcode === 'ServerErrorNotAcceptingJobs') {
        throw new ScanError('AdfEmpty', `no paper in the document feeder (${error.message})`);
      }
      const passing = status?.status.reasons?.some((r) => TEMPORARY_REASONS.has(r)) ?? false;
      if (!passing || attempt >= deps.timing.createJobRetries) throw error;
      await delay(deps.timing.busyRetryDelayMs, undefined, { signal });
    }
  }
}

/** RetrieveImage for page `index`; resolves undefined when the device has no more images. */
async function retrieveImage(deps: WsdJobDeps, job: CreatedScanJob, index: number, signal: AbortSignal) {
  const request = buildRetrieveImage(deps.serviceUrl, job, `page-${index}`);
  try {
    return await deps.client.callMtom(deps.serviceUrl, request, 'RetrieveImage', (xml) => imageContentId(parseSoapEnvelope(xml, 'RetrieveImageResponse')), {
      signal,
      headersTimeoutMs: deps.timing.imageWaitMs,
    });
  } catch (error) {
    if (!(error instanceof WsdFaultError)) throw error;
    const subcode = error.fault.subcode;
    if (subcode === 'ClientErrorNoImagesAvailable') return undefined;
    // Ricoh Aficio MP 201 ends a batch with JobIdNotFound instead.
    if (subcode === 'ClientErrorJobIdNotFound' && index > 1) return undefined;
    throw error;
  }
}

/** Cancels a job on the device; never throws (the job may already be gone). */
async function cancelJob(deps: WsdJobDeps, jobId: number): Promise<void> {
  try {
    const xml = await deps.client.call(deps.serviceUrl, buildCancelJob(deps.serviceUrl, jobId), 'CancelJob', { signal: AbortSignal.timeout(deps.timing.cancelTimeoutMs) });
    parseCancelJobResponse(xml);
  } catch (error) {
    deps.logger.debug({ err: error, jobId }, 'WSD: CancelJob failed (the job may already be over)');
  }
}
