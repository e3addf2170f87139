/**
 * The one interface every protocol implements. Nothing outside a protocol's folder
 * knows its wire format; the job runner, MQTT and Home Assistant layers see only this.
 */
import type { Readable } from 'node:stream';
import type { ScannerCapabilities, ProtocolName } from './capabilities.js';
import type { DeviceEvent, DeviceEventOptions, DeviceJob } from './device-events.js';
import type { ScanSettings } from './settings.js';
import type { ScannerStatus } from './status.js';

/** One scanned page (or one whole document, when a device returns a multi-page PDF). */
export interface ScannedPage {
  /** 1-based position in the batch, in the order the device delivered it. */
  index: number;
  /** The MIME type the device declared; the storage layer trusts magic bytes over this. */
  declaredType?: string;
  /** Page bytes, streamed: a 600 dpi colour page is never held whole in memory. */
  data: Readable;
  /** Width and height in pixels, when the protocol knows them before the data arrives. */
  widthPx?: number;
  heightPx?: number;
  /** Resolution the page was actually scanned at, when known. */
  resolution?: number;
  /**
   * Bytes of this page received from the device so far, when `data` is an encoding of them
   * (SANE's raw pixels become PNG/JPEG); the page deadline counts these. Absent: the bytes of `data`.
   */
  bytesReceived?: () => number;
}

/** A connection to one scanner through one protocol. */
export interface ScannerDriver {
  readonly protocol: ProtocolName;
  /** Reads (or returns cached) capabilities. May throw ScanError('DeviceOffline'). */
  getCapabilities(signal?: AbortSignal): Promise<ScannerCapabilities>;
  /** Reads current status. May throw ScanError('DeviceOffline'). */
  getStatus(signal?: AbortSignal): Promise<ScannerStatus>;
  /**
   * Runs one job and yields its pages as they arrive. Aborting `signal` cancels the job
   * on the device (and the iterator then throws ScanError('Cancelled')). The driver
   * always cleans up on the device, whether the job finished, failed or was cancelled.
   * Each page's stream must be consumed before the next page is requested. `deviceJob` is what the
   * device handed over with the button press that asked for this scan (ButtonEvent.deviceJob).
   */
  scan(settings: ScanSettings, signal: AbortSignal, deviceJob?: DeviceJob): AsyncIterable<ScannedPage>;
  /** Reads which of the device's own buttons are down now, for drivers that can (SANE sensors). */
  readButtons?(signal?: AbortSignal): Promise<Record<string, boolean>>;
  /**
   * The events the device pushes (the capabilities' `events` say which kinds), until `signal`
   * aborts or the driver is closed. A driver that can only poll (SANE sensors) polls while
   * this runs; the gateway runs it only while someone listens and no job runs.
   */
  events?(signal: AbortSignal, options: DeviceEventOptions): AsyncIterable<DeviceEvent>;
  /**
   * True when `events()` does not hold the device (WSD subscriptions): it keeps running while a job
   * runs, so a panel's job keeps the subscription its token belongs to, and no Subscribe churns per job.
   */
  readonly eventsDuringJobs?: boolean;
  /** Releases sockets and timers. */
  close(): Promise<void>;
}
