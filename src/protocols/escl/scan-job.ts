/**
 * One eSCL scan job (PROTOCOLS.md A.7): POST ScanJobs, NextDocument until the device says
 * there is no more, and a DELETE whatever happened. The HTTP itself is in http.ts.
 */
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { ScanError, protocolError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ScannedPage } from '../../core/scanner.js';
import type { ScanSettings } from '../../core/settings.js';
import { discard, headerValue, transportError, type EsclHttp, type EsclResponse } from './http.js';
import { jobPathFrom } from './location.js';
import type { EsclNativeCaps } from './native.js';
import { buildScanSettingsXml } from './scan-settings.js';
import { findJob, type EsclStatus } from './status.js';
import type { EsclTiming } from './timing.js';

/** What a job needs from its driver. */
export interface EsclJobDeps {
  http: EsclHttp;
  timing: EsclTiming;
  logger: Logger;
  /** Reads ScannerStatus (used to tell "no more pages" from "not ready" or an ADF problem). */
  readStatus(signal: AbortSignal): Promise<EsclStatus>;
  /** Jobs whose DELETE failed; shared by the driver's jobs so the next one cleans up first. */
  undeletedJobs?: Set<string>;
  /** Pause between ADF pages (Brother's false 404); see needsAdfPacing. */
  paceAdfPages?: boolean;
}

/** Statuses on NextDocument that may mean "no more pages" (AirSane ends with 409; Xerox 410 = not ready). */
const END_OR_NOT_READY = new Set([404, 409, 410]);

/** Runs one job and yields its pages; always DELETEs the job on the device afterwards. */
export async function* runEsclJob(deps: EsclJobDeps, settings: ScanSettings, native: EsclNativeCaps, signal: AbortSignal): AsyncGenerator<ScannedPage> {
  if (signal.aborted) throw new ScanError('Cancelled', 'cancelled before the job started');
  const { xml, requestedMime } = buildScanSettingsXml(settings, native);
  await deleteLeftoverJobs(deps);
  deps.logger.debug({ requestedMime, source: settings.source }, 'eSCL: creating job');
  const jobPath = await guard(createJob(deps, xml, signal), signal);
  let open: Readable | undefined;
  try {
    let lastDownloadMs = 0;
    for (let index = 1; ; index += 1) {
      // Brother sends a false 404 when NextDocument follows the previous page too quickly.
      if (index > 1 && deps.paceAdfPages) await guard(delay(Math.min(deps.timing.interPageDelayMaxMs, lastDownloadMs / 2), undefined, { signal }), signal);
      const res = await guard(nextDocument(deps, jobPath, index - 1, settings, signal), signal);
      if (!res) break;
      const page = deps.http.streamPage(res, signal);
      open = page.data;
      const declared = headerValue(res.headers, 'content-type')?.split(';', 1)[0]?.trim().toLowerCase();
      yield { index, data: page.data, resolution: settings.resolution, ...(declared ? { declaredType: declared } : {}) };
      lastDownloadMs = (await guard(page.done, signal)).elapsedMs;
      open = undefined;
      // Some devices hang on a second NextDocument for the platen; one page is all it holds.
      if (settings.source === 'platen') break;
    }
  } finally {
    open?.destroy();
    await deleteJob(deps, jobPath);
  }
}

/** Awaits `work`, turning anything thrown after a cancel into ScanError('Cancelled'). */
async function guard<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (signal.aborted) throw new ScanError('Cancelled', 'cancelled', { cause: error });
    throw error instanceof ScanError ? error : transportError(error, signal, 'eSCL job');
  }
}

async function createJob(deps: EsclJobDeps, xml: string, signal: AbortSignal): Promise<string> {
  const path = `${deps.http.basePath}ScanJobs`;
  for (let attempt = 0; ; attempt += 1) {
    const res = await deps.http.request({ method: 'POST', path, body: xml, signal });
    const location = headerValue(res.headers, 'location');
    // Only the headers matter: Kyocera M6526cdn drops the TLS link before the body ends.
    discard(res);
    if (res.status === 201) {
      if (location === undefined) throw protocolError('ScanJobs: 201 without a Location header');
      return jobPathFrom(location, deps.http.basePath);
    }
    if (res.status === 503) {
      if (attempt >= deps.timing.scanJobsRetries) throw new ScanError('DeviceBusy', 'the scanner stayed busy (HTTP 503 on ScanJobs)');
      await delay(deps.timing.busyRetryDelayMs, undefined, { signal });
      continue;
    }
    throw httpFailure(res, 'ScanJobs');
  }
}

/** GETs the next page; resolves null when the job has no more pages. */
async function nextDocument(deps: EsclJobDeps, jobPath: string, pagesSoFar: number, settings: ScanSettings, signal: AbortSignal): Promise<EsclResponse | null> {
  let busy = 0;
  let notReady = 0;
  for (;;) {
    const res = await deps.http.request({ method: 'GET', path: `${jobPath}/NextDocument`, signal, headersTimeoutMs: deps.timing.pageWaitMs });
    if (res.status === 200) return res;
    discard(res);
    if (res.status === 503) {
      busy += 1;
      if (busy > deps.timing.nextDocumentRetries) throw new ScanError('DeviceBusy', 'the next page never became ready (HTTP 503 on NextDocument)');
      await delay(deps.timing.busyRetryDelayMs, undefined, { signal });
      continue;
    }
    if (!END_OR_NOT_READY.has(res.status)) throw httpFailure(res, 'NextDocument');
    const verdict = await endOfPages(deps, jobPath, pagesSoFar, res.status, settings, signal);
    if (verdict === 'end') return null;
    notReady += 1;
    if (notReady > deps.timing.notReadyRetries) {
      if (pagesSoFar > 0) return null;
      throw new ScanError('DeviceError', `the scanner kept answering HTTP ${res.status} and delivered no page`);
    }
    await delay(deps.timing.notReadyDelayMs, undefined, { signal });
  }
}

/** Reads ScannerStatus after a 404/409/410 to tell the end of the job from "not ready" or an ADF problem. */
async function endOfPages(deps: EsclJobDeps, jobPath: string, pagesSoFar: number, httpStatus: number, settings: ScanSettings, signal: AbortSignal): Promise<'end' | 'retry'> {
  let status: EsclStatus | undefined;
  try {
    status = await deps.readStatus(signal);
  } catch (error) {
    if (signal.aborted) throw error;
    deps.logger.debug({ err: error }, 'eSCL: status check after NextDocument failed');
  }
  const job = status ? findJob(status.jobs, jobPath) : undefined;
  const adf = status?.status.adf ?? null;
  const working = job !== undefined && (job.state === 'Processing' || job.state === 'Pending');
  // Xerox B2xx answers 404/410 while the next page is still being scanned.
  if (working && ((job.imagesToTransfer ?? 0) > 0 || httpStatus === 410)) return 'retry';
  // Xerox WorkCentre 3345 shows a stale jam; only believe it when nothing arrived or the job aborted.
  if (pagesSoFar === 0 || job?.state === 'Aborted') {
    if (adf === 'jam') throw new ScanError('AdfJam', 'paper jam in the document feeder');
    if (adf === 'open') throw new ScanError('CoverOpen', 'the document feeder cover is open');
  }
  if (pagesSoFar > 0) return 'end';
  if (settings.source !== 'platen' && adf === 'empty') throw new ScanError('AdfEmpty', 'no paper in the document feeder');
  if (working) return 'retry';
  throw new ScanError('DeviceError', `the scanner ended the job without delivering a page (HTTP ${httpStatus})`);
}

function httpFailure(res: EsclResponse, what: string): ScanError {
  if (res.status === 400 || res.status === 409) return new ScanError('InvalidRequest', `the scanner rejected the scan settings (HTTP ${res.status} on ${what})`);
  if (res.status === 401 || res.status === 403) return new ScanError('AccessDenied', `the scanner refused access (HTTP ${res.status} on ${what})`);
  return new ScanError('DeviceError', `the scanner answered HTTP ${res.status} on ${what}`);
}

/** Cleans the job up on the device; never throws (404 means it is already gone, ipp-usb PR #128). */
/**
 * DELETEs a job. A job that could not be deleted (device unreachable at that moment) is
 * remembered and deleted before the next job: devices that keep an unfinished job stay
 * busy until it is gone (AirSane for 120 s; ipp-usb PR #128).
 */
async function deleteJob(deps: EsclJobDeps, jobPath: string): Promise<void> {
  try {
    const res = await deps.http.request({ method: 'DELETE', path: jobPath, signal: AbortSignal.timeout(deps.timing.deleteTimeoutMs) });
    discard(res);
    if (res.status >= 300 && res.status !== 404) {
      deps.logger.warn({ status: res.status, jobPath }, 'eSCL: DELETE of the job failed');
      if (res.status >= 500) deps.undeletedJobs?.add(jobPath);
    } else {
      deps.undeletedJobs?.delete(jobPath);
    }
  } catch (error) {
    deps.logger.warn({ err: error, jobPath }, 'eSCL: DELETE of the job failed; retrying before the next job');
    deps.undeletedJobs?.add(jobPath);
  }
}

/** Deletes jobs left behind by earlier failures, before a new job is created. */
async function deleteLeftoverJobs(deps: EsclJobDeps): Promise<void> {
  for (const jobPath of [...(deps.undeletedJobs ?? [])]) {
    deps.undeletedJobs?.delete(jobPath);
    await deleteJob(deps, jobPath);
  }
}
