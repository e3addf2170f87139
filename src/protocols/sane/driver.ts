/**
 * The SANE ScannerDriver: a saned device as a scan2mqtt scanner. It keeps the
 * device open between operations (descriptor cache) and closes it after a short
 * idle time, because an open SANE device locks out every other client.
 */
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
import type { SaneDevice } from './messages.js';
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
  private scanning = false;

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
    const caps = await this.session.use(async (device) => {
      const listed = (await device.conn.getDevices().catch(() => [])).find((d) => d.name === this.options.device);
      return capabilitiesFromDescriptors(device.descriptors, { vendor: listed?.vendor, model: listed?.model });
    });
    this.capabilities = caps;
    return caps;
  }

  async getStatus(): Promise<ScannerStatus> {
    if (this.scanning) return { state: 'processing', adf: null };
    try {
      return await this.session.use(async (device) => ({ state: 'idle' as const, adf: await readAdfSensor(device) }));
    } catch (err) {
      // Someone else has the device open: it is working, not broken.
      if (err instanceof ScanError && err.code === 'DeviceBusy') return { state: 'processing', adf: null };
      throw err;
    }
  }

  async readButtons(): Promise<Record<string, boolean>> {
    if (this.scanning) throw new ScanError('DeviceBusy', 'buttons cannot be read during a scan');
    return this.session.use(async (device) => {
      const pressed: Record<string, boolean> = {};
      for (const option of buttonOptions(device.descriptors)) {
        const value = await device.read(option);
        pressed[option.name] = Array.isArray(value) && (value[0] ?? 0) !== 0;
      }
      return pressed;
    });
  }

  async *scan(settings: ScanSettings, signal: AbortSignal): AsyncIterable<ScannedPage> {
    const lease = await this.session.acquire();
    this.scanning = true;
    try {
      const { host, timeouts, logger, deviceLabel: label, preferDepth } = { ...this.options, timeouts: this.timeouts };
      yield* runSaneScan(lease.device, settings, signal, { host, timeouts, logger, label, ...(preferDepth && { preferDepth }) });
    } catch (err) {
      lease.failed(err);
      throw err;
    } finally {
      this.scanning = false;
      lease.release();
    }
  }

  async close(): Promise<void> {
    await this.session.close();
  }
}

async function readAdfSensor(device: OpenDevice): Promise<AdfState | null> {
  const sensor = buttonOptions(device.descriptors).find((o) => ADF_SENSOR.test(o.name));
  if (!sensor) return null;
  const value = await device.read(sensor);
  return Array.isArray(value) && (value[0] ?? 0) !== 0 ? 'loaded' : 'empty';
}

/** Options of listSaneDevices. */
export interface ListSaneDevicesOptions {
  host: string;
  port: number;
  credentials?: DeviceCredentials;
  logger: Logger;
  timeoutMs?: number;
  tracer?: ProtocolTracer;
}

/** Asks a saned host which devices it exports (INIT, GET_DEVICES, EXIT). */
export async function listSaneDevices(options: ListSaneDevicesOptions): Promise<SaneDevice[]> {
  const t = options.timeoutMs ?? DEFAULT_SANE_TIMEOUTS.replyMs;
  const timeouts: SaneTimeouts = { ...DEFAULT_SANE_TIMEOUTS, connectMs: Math.min(t, DEFAULT_SANE_TIMEOUTS.connectMs), replyMs: t };
  const conn = await SaneControlConnection.open({
    host: options.host, port: options.port, credentials: options.credentials, timeouts,
    tracer: options.tracer ?? NO_TRACE, device: `${options.host}:${options.port}`,
  });
  try {
    return await conn.getDevices();
  } finally {
    await conn.exit();
  }
}
