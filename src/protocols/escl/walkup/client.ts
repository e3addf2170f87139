/**
 * The walk-up requests on an HP device's LEDM resources, over the eSCL driver's HTTP client:
 * capabilities, destinations (GET/POST/DELETE), the event table's etag long-poll and the
 * dialogue state. Answers become typed errors; bodies are read bounded like eSCL documents.
 */
import { ScanError, protocolError } from '../../../core/errors.js';
import { discard, headerValue, type EsclHttp } from '../http.js';
import { buildDestinationXml, parseDestination, parseDestinationList, type WalkupDestination } from './destinations.js';
import { parseCompEvent, parseEventTable, parseWalkupCaps, type CompEventType, type WalkupCaps, type WalkupScanEvent } from './events.js';
import { CAPS_PATH, COMP_EVENT_PATH, DESTINATIONS_PATH, EVENT_TABLE_PATH, walkupResourcePath } from './ledm-xml.js';

/** Longest long-poll the device is asked for: its `timeout` parameter counts deciseconds, and 1200 is what HP software uses. */
export const MAX_EVENT_POLL_DECISECONDS = 1200;
/** Longest etag kept; HP etags are short counters. */
export const MAX_ETAG_CHARS = 256;

/** One read of the event table: unchanged (304 after the wait), or the table with its new etag. */
export type EventTableRead = { changed: false } | { changed: true; etag: string | undefined; events: WalkupScanEvent[] };

/** Walk-up operations on one device origin. */
export class WalkupClient {
  constructor(private readonly http: EsclHttp) {}

  /** The walk-up capabilities, or undefined when the device does not offer Scan to Computer here. */
  async caps(signal?: AbortSignal): Promise<WalkupCaps | undefined> {
    const res = await this.http.request({ method: 'GET', path: CAPS_PATH, ...(signal ? { signal } : {}) });
    if (res.status !== 200) {
      discard(res);
      return undefined;
    }
    return parseWalkupCaps(await this.http.readXml(res, signal));
  }

  /** Every Scan-to-Computer destination registered on the device (every client's). */
  async destinations(signal: AbortSignal): Promise<WalkupDestination[]> {
    return parseDestinationList(await this.getXml(DESTINATIONS_PATH, signal, 'WalkupScanToCompDestinations'));
  }

  /** Registers a destination; resolves its path on the device (from Location). */
  async register(name: string, hostname: string, signal: AbortSignal): Promise<string> {
    const res = await this.http.request({ method: 'POST', path: DESTINATIONS_PATH, body: buildDestinationXml(name, hostname), signal });
    const location = headerValue(res.headers, 'location');
    discard(res);
    if (res.status === 201 && location !== undefined) return walkupResourcePath(location, 'WalkupScanToCompDestinations');
    if (res.status === 201) throw protocolError('WalkupScanToCompDestinations: 201 without a Location header');
    throw new ScanError('DeviceError', `registering a walk-up destination: HTTP ${res.status}`);
  }

  /** Removes a destination; one already gone (404) counts as removed. */
  async remove(path: string, signal: AbortSignal): Promise<void> {
    const res = await this.http.request({ method: 'DELETE', path, signal });
    discard(res);
    if (res.status >= 300 && res.status !== 404) throw new ScanError('DeviceError', `removing walk-up destination ${path}: HTTP ${res.status}`);
  }

  /** One destination as the device has it now (with the panel's settings after a press); undefined when gone. */
  async destination(path: string, signal: AbortSignal): Promise<WalkupDestination | undefined> {
    const res = await this.http.request({ method: 'GET', path, signal });
    if (res.status === 404) {
      discard(res);
      return undefined;
    }
    if (res.status !== 200) {
      discard(res);
      throw new ScanError('DeviceError', `${path}: HTTP ${res.status}`);
    }
    return parseDestination(await this.http.readXml(res, signal));
  }

  /**
   * Reads the event table. With an etag, the device holds the request until the table changes
   * or `waitMs` passes (then 304); without one it answers at once.
   */
  async eventTable(etag: string | undefined, waitMs: number, headroomMs: number, signal: AbortSignal): Promise<EventTableRead> {
    const deciseconds = Math.min(MAX_EVENT_POLL_DECISECONDS, Math.max(1, Math.round(waitMs / 100)));
    const path = etag === undefined ? EVENT_TABLE_PATH : `${EVENT_TABLE_PATH}?timeout=${deciseconds}`;
    const res = await this.http.request({
      method: 'GET',
      path,
      signal,
      headersTimeoutMs: deciseconds * 100 + headroomMs,
      ...(etag !== undefined ? { headers: { 'if-none-match': etag } } : {}),
    });
    if (res.status === 304) {
      discard(res);
      return { changed: false };
    }
    if (res.status !== 200) {
      discard(res);
      throw new ScanError('DeviceError', `EventTable: HTTP ${res.status}`);
    }
    const received = headerValue(res.headers, 'etag');
    const events = parseEventTable(await this.http.readXml(res, signal));
    // Without a usable etag the next read cannot wait; it is then a plain read after a pause.
    const usable = received !== undefined && received.length > 0 && received.length <= MAX_ETAG_CHARS && !/[\r\n]/.test(received);
    return { changed: true, etag: usable ? received : undefined, events };
  }

  /** The panel's dialogue state. */
  async compEvent(path: string | undefined, signal: AbortSignal): Promise<CompEventType> {
    return parseCompEvent(await this.getXml(path ?? COMP_EVENT_PATH, signal, 'WalkupScanToCompEvent'));
  }

  private async getXml(path: string, signal: AbortSignal, what: string): Promise<string> {
    const res = await this.http.request({ method: 'GET', path, signal });
    if (res.status !== 200) {
      discard(res);
      throw new ScanError('DeviceError', `${what}: HTTP ${res.status}`);
    }
    return this.http.readXml(res, signal);
  }
}
