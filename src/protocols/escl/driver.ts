/** The eSCL (AirScan) implementation of ScannerDriver, and a one-shot capabilities probe. */
import type { ScannerCapabilities } from '../../core/capabilities.js';
import type { DeviceEvent, DeviceEventOptions, DeviceJob } from '../../core/device-events.js';
import type { DeviceCredentials } from '../../core/device.js';
import { ScanError } from '../../core/errors.js';
import { EventSessions, keepOnSuccess } from '../../core/driver-sessions.js';
import type { Logger } from '../../core/logger.js';
import type { ScannedPage, ScannerDriver } from '../../core/scanner.js';
import type { ScanSettings } from '../../core/settings.js';
import type { ScannerStatus } from '../../core/status.js';
import { NO_TRACE, type ProtocolTracer } from '../../core/trace.js';
import { parseScannerCapabilities, type EsclCapabilities } from './capabilities.js';
import { EsclHttp, discard, type EsclResponse } from './http.js';
import { runEsclJob } from './scan-job.js';
import { parseScannerStatus, type EsclStatus } from './status.js';
import { DEFAULT_ESCL_TIMING, type EsclTiming } from './timing.js';
import { mergeWalkupChoices, walkupChoicesOf } from './walkup/panel-job.js';
import { findWalkup, isHpDevice, walkupOrigins, type WalkupSupport } from './walkup/support.js';
import { DEFAULT_WALKUP_TIMING, type WalkupTiming } from './walkup/timing.js';
import { walkupEvents } from './walkup/walkup-events.js';

/** How to reach and talk to one eSCL device. */
export interface EsclDriverOptions {
  /** Base URL of the eSCL root, e.g. `http://127.0.0.1:8080/eSCL/` (a missing final `/` is added). */
  baseUrl: string;
  /** Accept the device's self-signed certificate (for this device only). */
  insecureTls?: boolean;
  /** HTTP basic auth. */
  credentials?: DeviceCredentials;
  /** Host header to send instead of `host:port` (HP devices that only accept `localhost`). */
  hostHeader?: string;
  logger: Logger;
  tracer?: ProtocolTracer;
  /** Scanner id or host:port, for logs and traces. */
  deviceLabel: string;
  timing?: Partial<EsclTiming>;
  /** Waits of HP walk-up Scan to Computer (tests shrink them). */
  walkupTiming?: Partial<WalkupTiming>;
}

/** The eSCL driver, which also exposes the eSCL-specific identity details of its capabilities. */
export interface EsclDriver extends ScannerDriver {
  /** Capabilities with UUID, admin/icon URIs and native details (cached like getCapabilities). */
  getEsclCapabilities(signal?: AbortSignal): Promise<EsclCapabilities>;
  /** HP walk-up presses on devices that offer them (capabilities `events`); otherwise nothing until aborted. */
  events(signal: AbortSignal, options: DeviceEventOptions): AsyncIterable<DeviceEvent>;
}

/** Creates a driver for one eSCL device; no network traffic happens until a method is called. */
export function createEsclDriver(options: EsclDriverOptions): EsclDriver {
  const timing: EsclTiming = { ...DEFAULT_ESCL_TIMING, ...options.timing };
  const logger = options.logger.child({ protocol: 'escl', device: options.deviceLabel });
  const http = createHttp(options, timing, logger);
  let walkup: WalkupSupport | undefined;
  // The first walk-up origin is the eSCL base's own: its client is reused.
  const walkupHttps = walkupOrigins(options.baseUrl).map((origin, i) => (i === 0 ? http : createHttp({ ...options, baseUrl: origin }, timing, logger)));

  const readCapabilities = async (signal?: AbortSignal): Promise<EsclCapabilities> => {
    const escl = await fetchCapabilities(http, signal);
    if (!isHpDevice(`${escl.caps.manufacturer ?? ''} ${escl.makeAndModel ?? ''}`)) return escl;
    // HP walk-up Scan to Computer: panel presses arrive as button events (events()).
    walkup = await findWalkup(walkupHttps, logger, signal);
    return walkup ? { ...escl, caps: { ...escl.caps, events: ['button'] } } : escl;
  };
  const getEsclCapabilities = keepOnSuccess(readCapabilities);
  const readStatus = (signal?: AbortSignal): Promise<EsclStatus> => fetchStatus(http, signal);
  const undeletedJobs = new Set<string>();
  const walkupTiming: WalkupTiming = { ...DEFAULT_WALKUP_TIMING, ...options.walkupTiming };
  const sessions = new EventSessions();

  return {
    protocol: 'escl',
    getEsclCapabilities,
    async getCapabilities(signal?: AbortSignal): Promise<ScannerCapabilities> {
      return (await getEsclCapabilities(signal)).caps;
    },
    async getStatus(signal?: AbortSignal): Promise<ScannerStatus> {
      return (await readStatus(signal)).status;
    },
    scan(settings: ScanSettings, signal: AbortSignal, deviceJob?: DeviceJob): AsyncIterable<ScannedPage> {
      return (async function* () {
        const { native, makeAndModel, caps } = await getEsclCapabilities(signal);
        const paceAdfPages = needsAdfPacing(`${caps.manufacturer ?? ''} ${makeAndModel ?? ''}`);
        // A walk-up press: the panel's source (and photo) win over the bound profile's.
        const choices = walkupChoicesOf(deviceJob);
        const chosen = choices ? mergeWalkupChoices(settings, choices, caps) : settings;
        yield* runEsclJob({ http, timing, logger, readStatus, paceAdfPages, undeletedJobs }, chosen, native, signal);
      })();
    },
    // The walk-up long-poll does not hold the scanner; keeping it through jobs spares the panel re-registrations.
    eventsDuringJobs: true,
    events(signal: AbortSignal, eventOptions: DeviceEventOptions): AsyncIterable<DeviceEvent> {
      return sessions.run(signal, async function* (linked) {
        await getEsclCapabilities(linked);
        if (!walkup) return await untilAborted(linked);
        const readAdf = async (s: AbortSignal) => (await readStatus(s)).status.adf;
        yield* walkupEvents({ client: walkup.client, caps: walkup.caps, logger, timing: walkupTiming, readAdf }, linked, eventOptions);
      });
    },
    async close() {
      // Walk-up destinations are removed before the sockets they need are released.
      await sessions.closeAll(walkupTiming.removeTimeoutMs * 2);
      await Promise.all([...new Set(walkupHttps.concat(http))].map((h) => h.close()));
    },
  };
}

/** Resolves when `signal` aborts: a device without walk-up has nothing to push, and ending would only be reopened. */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * Brother devices answer a false 404 when NextDocument follows the previous page too
 * quickly (PROTOCOLS.md A.3), so their ADF pages are paced. Other devices are not: the
 * pause costs up to a second a page, and a false 404 elsewhere is caught by the status check.
 */
export function needsAdfPacing(makeAndModel: string): boolean {
  return /\bbrother\b/i.test(makeAndModel);
}

/** Reads a device's capabilities once (for hand-listed devices) and releases the connection. */
export async function probeEscl(baseUrl: string, opts: Omit<EsclDriverOptions, 'baseUrl'>, signal?: AbortSignal): Promise<EsclCapabilities> {
  const timing: EsclTiming = { ...DEFAULT_ESCL_TIMING, ...opts.timing };
  const http = createHttp({ ...opts, baseUrl }, timing, opts.logger.child({ protocol: 'escl', device: opts.deviceLabel }));
  try {
    return await fetchCapabilities(http, signal);
  } finally {
    await http.close();
  }
}

function createHttp(options: EsclDriverOptions, timing: EsclTiming, logger: Logger): EsclHttp {
  return new EsclHttp({
    baseUrl: options.baseUrl,
    ...(options.insecureTls !== undefined ? { insecureTls: options.insecureTls } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.hostHeader !== undefined ? { hostHeader: options.hostHeader } : {}),
    logger,
    tracer: options.tracer ?? NO_TRACE,
    deviceLabel: options.deviceLabel,
    connectTimeoutMs: timing.connectTimeoutMs,
    headersTimeoutMs: timing.headersTimeoutMs,
    bodyTimeoutMs: timing.bodyIdleTimeoutMs,
  });
}

async function fetchCapabilities(http: EsclHttp, signal?: AbortSignal): Promise<EsclCapabilities> {
  return parseScannerCapabilities(await getXml(http, 'ScannerCapabilities', signal));
}

async function fetchStatus(http: EsclHttp, signal?: AbortSignal): Promise<EsclStatus> {
  return parseScannerStatus(await getXml(http, 'ScannerStatus', signal));
}

/** GETs an XML resource below the eSCL root; non-200 answers become typed errors. */
async function getXml(http: EsclHttp, resource: string, signal?: AbortSignal): Promise<string> {
  const res = await http.request({ method: 'GET', path: `${http.basePath}${resource}`, ...(signal ? { signal } : {}) });
  if (res.status !== 200) {
    discard(res);
    throw statusFailure(res, resource);
  }
  return http.readXml(res, signal);
}

function statusFailure(res: EsclResponse, resource: string): ScanError {
  if (res.status === 401 || res.status === 403) return new ScanError('AccessDenied', `${resource}: access refused (HTTP ${res.status})`);
  if (res.status === 503) return new ScanError('DeviceBusy', `${resource}: scanner busy (HTTP 503)`);
  if (res.status === 404) return new ScanError('ProtocolError', `${resource}: not found (HTTP 404); is the eSCL base URL right?`);
  return new ScanError('DeviceError', `${resource}: HTTP ${res.status}`);
}
