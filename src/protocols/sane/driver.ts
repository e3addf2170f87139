/**
 * The SANE ScannerDriver: a saned device as a scan2mqtt scanner. An open SANE
 * device locks out every other client, so it is opened only to read capabilities or
 * a sensor (closed right after) and to scan (kept open a short idle time afterwards,
 * which keeps the descriptor cache for a following scan); idle polls only ask saned
 * whether it still exports the device.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ButtonPressDetector } from '../../core/button-presses.js';
import type { DeviceEvent, DeviceEventOptions } from '../../core/device-events.js';
import { ScanError } from '../../core/errors.js';
import type { DeviceCredentials } from '../../core/device.js';
import type { Logger } from '../../core/logger.js';
import type { ScannedPage, ScannerDriver } from '../../core/scanner.js';
import type { ScanSettings } from '../../core/settings.js';
import type { ScannerCapabilities } from '../../core/capabilities.js';
import type { AdfState, ScannerStatus } from '../../core/status.js';
import { NO_TRACE, type ProtocolTracer } from '../../core/trace.js';
import { DEFAULT_SANE_TIMEOUTS, SaneControlConnection, type SaneTimeouts } from './control-connection.js';
import { DEFAULT_IDLE_CLOSE_MS, DeviceSession, type OpenDevice } from './device-session.js';
import type { PreferredDepth } from './from-domain.js';
import type { SaneOptionDescriptor } from './descriptors.js';
import type { SaneDevice } from './messages.js';
import { JPEG_QUALITY } from './page-encoder.js';
import { runSaneScan } from './scan-job.js';
import { buttonOptions, capabilitiesFromDescriptors } from './to-domain.js';

/** How to reach one device on a saned host. */
export interface SaneDriverOptions {
  host: string;
  port: number;
  /** Device name as saned lists it, e.g. `test:0` or `genesys:libusb:001:004`. */
  device: string;
  credentials?: DeviceCredentials;
  logger: Logger;
  tracer?: ProtocolTracer;
  deviceLabel: string;
  /** Close the device after this idle time: an open SANE device is exclusive. */
  idleCloseMs?: number;
  /** Ask for 16-bit samples where the backend offers them (default: the device default). */
  preferDepth?: PreferredDepth;
  /** JPEG quality of the pages encoded from raw lines (default JPEG_QUALITY). */
  jpegQuality?: number;
  /** Overrides of the network time limits. */
  timeouts?: Partial<SaneTimeouts>;
}

/** Sensor option names that say whether paper is in the feeder. */
const ADF_SENSOR = /^(adf|adf-loaded|page-loaded|document-loaded|doc-loaded|paper-loaded)$/i;

/** Creates the driver; nothing connects until the first call. */
export function createSaneDriver(options: SaneDriverOptions): ScannerDriver {
  return new SaneDriver(options);
}

class SaneDriver implements ScannerDriver {
  readonly protocol = 'sane' as const;
  private readonly session: DeviceSession;
  private readonly timeouts: SaneTimeouts;
  private capabilities: ScannerCapabilities | undefined;
  /** Name of the paper-in-feeder sensor option, learnt with the capabilities. */
  private adfSensor: string | undefined;
  private scanning = false;
  /** Aborted by close(): ends every event subscription of this driver. */
  private readonly closed = new AbortController();

  constructor(private readonly options: SaneDriverOptions) {
    this.timeouts = { ...DEFAULT_SANE_TIMEOUTS, ...options.timeouts };
    this.session = new DeviceSession({
      host: options.host, port: options.port, device: options.device, credentials: options.credentials,
      timeouts: this.timeouts, tracer: options.tracer ?? NO_TRACE, logger: options.logger,
      idleCloseMs: options.idleCloseMs ?? DEFAULT_IDLE_CLOSE_MS, label: options.deviceLabel,
    });
  }

  async getCapabilities(): Promise<ScannerCapabilities> {
    if (this.capabilities) return this.capabilities;
    const caps = await this.briefly(async (device) => {
      const listed = (await device.conn.getDevices().catch(() => [])).find((d) => d.name === this.options.device);
      this.adfSensor = findAdfSensor(device.descriptors)?.name;
      return capabilitiesFromDescriptors(device.descriptors, { vendor: listed?.vendor, model: listed?.model });
    });
    this.capabilities = caps;
    return caps;
  }

  /**
   * Idle polls must not lock the device (an open SANE device is exclusive): without an
   * ADF sensor to read, the device being listed by saned is the status (INIT, GET_DEVICES,
   * EXIT); with one, the device is opened for the read and closed right after.
   */
  async getStatus(): Promise<ScannerStatus> {
    if (this.scanning) return { state: 'processing', adf: null };
    // Open anyway (a scan just ended, idle close pending): reading costs no extra lock.
    if (this.session.isOpen) return this.readStatus(() => this.session.use(async (device) => this.idleWith(device)));
    if (this.adfSensor !== undefined) return this.readStatus(() => this.briefly(async (device) => this.idleWith(device)));
    await this.checkListed();
    return { state: 'idle', adf: null };
  }

  async readButtons(): Promise<Record<string, boolean>> {
    if (this.scanning) throw new ScanError('DeviceBusy', 'buttons cannot be read during a scan');
    const read = async (device: OpenDevice) => {
      const pressed: Record<string, boolean> = {};
      for (const option of buttonOptions(device.descriptors)) {
        const value = await device.read(option);
        pressed[option.name] = Array.isArray(value) && (value[0] ?? 0) !== 0;
      }
      return pressed;
    };
    return this.session.isOpen ? this.session.use(read) : this.briefly(read);
  }

  /**
   * Button presses, from reading the sensor options every `pollIntervalMs` (the device is
   * opened for each read and closed right after). Never reads during a scan; a reading
   * that fails or was skipped is no baseline, so a button held meanwhile is no press.
   */
  async *events(signal: AbortSignal, options: DeviceEventOptions): AsyncIterable<DeviceEvent> {
    const until = AbortSignal.any([signal, this.closed.signal]);
    const presses = new ButtonPressDetector();
    while (!until.aborted) {
      try {
        await sleep(options.pollIntervalMs, undefined, { signal: until });
      } catch {
        return;
      }
      let reading: Record<string, boolean> | undefined;
      if (!this.scanning) {
        try {
          reading = await this.readButtons();
        } catch (err) {
          this.options.logger.debug({ err, device: this.options.deviceLabel }, 'reading buttons failed');
        }
      }
      if (until.aborted) return;
      for (const button of presses.next(reading)) yield { kind: 'button', button, action: 'press' };
    }
  }

  async *scan(settings: ScanSettings, signal: AbortSignal): AsyncIterable<ScannedPage> {
    const lease = await this.session.acquire();
    this.scanning = true;
    try {
      const { host, timeouts, logger, deviceLabel: label, preferDepth, jpegQuality = JPEG_QUALITY } = { ...this.options, timeouts: this.timeouts };
      yield* runSaneScan(lease.device, settings, signal, { host, timeouts, logger, label, jpegQuality, ...(preferDepth && { preferDepth }) });
    } catch (err) {
      lease.failed(err);
      throw err;
    } finally {
      // Also when the consumer stopped iterating on a failed page stream: a cancelled
      // job leaves the connection in an unknown state (see device-session.ts).
      if (signal.aborted) lease.failed(new ScanError('Cancelled', 'scan cancelled'));
      this.scanning = false;
      lease.release();
    }
  }

  async close(): Promise<void> {
    this.closed.abort();
    await this.session.close();
  }

  /** Runs `work` on the open device and closes it right after, unless a scan holds it. */
  private async briefly<T>(work: (device: OpenDevice) => Promise<T>): Promise<T> {
    try {
      return await this.session.use(work);
    } finally {
      if (!this.scanning) await this.session.closeWhenIdle();
    }
  }

  private async idleWith(device: OpenDevice): Promise<ScannerStatus> {
    const sensor = findAdfSensor(device.descriptors);
    return { state: 'idle', adf: sensor ? await readSensor(device, sensor) : null };
  }

  private async readStatus(read: () => Promise<ScannerStatus>): Promise<ScannerStatus> {
    try {
      return await read();
    } catch (err) {
      // Someone else has the device open: it is working, not broken.
      if (err instanceof ScanError && err.code === 'DeviceBusy') return { state: 'processing', adf: null };
      throw err;
    }
  }

  /** The host answers and still exports the device; DeviceOffline otherwise. */
  private async checkListed(): Promise<void> {
    const { host, port, device, credentials, logger, tracer } = this.options;
    const devices = await listSaneDevices({
      host, port, logger, timeoutMs: this.timeouts.replyMs, connectTimeoutMs: this.timeouts.connectMs,
      ...(credentials && { credentials }), ...(tracer && { tracer }), label: this.options.deviceLabel,
    });
    if (!devices.some((d) => d.name === device)) throw new ScanError('DeviceOffline', `saned at ${host}:${port} no longer exports ${device}`);
  }
}

function findAdfSensor(descriptors: readonly SaneOptionDescriptor[]): SaneOptionDescriptor | undefined {
  return buttonOptions(descriptors).find((o) => ADF_SENSOR.test(o.name));
}

async function readSensor(device: OpenDevice, sensor: SaneOptionDescriptor): Promise<AdfState> {
  const value = await device.read(sensor);
  return Array.isArray(value) && (value[0] ?? 0) !== 0 ? 'loaded' : 'empty';
}

/** Options of listSaneDevices. */
export interface ListSaneDevicesOptions {
  host: string;
  port: number;
  credentials?: DeviceCredentials;
  logger: Logger;
  /** Reply deadline (and connect deadline unless `connectTimeoutMs` is given). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  tracer?: ProtocolTracer;
  /** Label in errors and traces; `host:port` by default. */
  label?: string;
}

/** Asks a saned host which devices it exports (INIT, GET_DEVICES, EXIT). */
export async function listSaneDevices(options: ListSaneDevicesOptions): Promise<SaneDevice[]> {
  const t = options.timeoutMs ?? DEFAULT_SANE_TIMEOUTS.replyMs;
  const connectMs = options.connectTimeoutMs ?? Math.min(t, DEFAULT_SANE_TIMEOUTS.connectMs);
  const timeouts: SaneTimeouts = { ...DEFAULT_SANE_TIMEOUTS, connectMs, replyMs: t };
  const conn = await SaneControlConnection.open({
    host: options.host, port: options.port, credentials: options.credentials, timeouts,
    tracer: options.tracer ?? NO_TRACE, device: options.label ?? `${options.host}:${options.port}`,
  });
  try {
    return await conn.getDevices();
  } finally {
    await conn.exit();
  }
}
