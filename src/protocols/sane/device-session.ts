/**
 * One open SANE device: control connection, handle and the option descriptors,
 * cached while the handle stays open (refetched only on RELOAD_OPTIONS, since each
 * fetch of a large descriptor list stalls ~40 ms on saned's Nagle + our delayed ACK).
 * The device is exclusive while open, so it is closed after `idleCloseMs` unused.
 */
import type { DeviceCredentials } from '../../core/device.js';
import { ScanError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ProtocolTracer } from '../../core/trace.js';
import { SaneAction, SaneCap, SaneInfo } from './constants.js';
import { SaneControlConnection, type SaneTimeouts } from './control-connection.js';
import { findOption, type SaneOptionDescriptor } from './descriptors.js';
import { optionValueFor, type OptionWrite } from './from-domain.js';
import type { SaneOptionValue } from './messages.js';
import { isActive } from './to-domain.js';

/** Default time an unused device stays open. */
export const DEFAULT_IDLE_CLOSE_MS = 5_000;

/** What a device session needs. */
export interface DeviceSessionOptions {
  host: string;
  port: number;
  device: string;
  credentials?: DeviceCredentials;
  timeouts: SaneTimeouts;
  tracer: ProtocolTracer;
  logger: Logger;
  idleCloseMs: number;
  label: string;
}

/**
 * Errors after which the control connection's state is unknown. A cancel mid-page too:
 * saned 1.2.1 may close the connection a while after CANCEL when the client has already
 * hung up the data port, so the next operation would land on a dying connection.
 */
const BROKEN_CONNECTION_CODES: readonly string[] = ['ProtocolError', 'Timeout', 'DeviceOffline', 'Cancelled'];

/** Exclusive use of an open device. */
export interface DeviceLease {
  device: OpenDevice;
  /** Reports an error; a broken connection is dropped. */
  failed(err: unknown): void;
  /** Ends the exclusive use (idempotent). */
  release(): void;
}

/** An open device handle with its current option descriptors. */
export class OpenDevice {
  constructor(readonly conn: SaneControlConnection, readonly handle: number, public descriptors: SaneOptionDescriptor[], private readonly logger: Logger) {}

  /** Fetches the descriptors again (after RELOAD_OPTIONS). */
  async reloadDescriptors(): Promise<void> {
    this.descriptors = await this.conn.getOptionDescriptors(this.handle);
  }

  /** Writes one option if the backend has it active and settable; reloads descriptors when told to. */
  async write(write: OptionWrite): Promise<boolean> {
    const option = findOption(this.descriptors, write.name);
    if (!option || !isActive(option) || (option.cap & SaneCap.SoftSelect) === 0) return false;
    const reply = await this.conn.controlOption(this.handle, option, SaneAction.Set, optionValueFor(option, write));
    if (reply.info & SaneInfo.Inexact) this.logger.debug({ option: option.name, value: reply.value }, 'device rounded the value');
    if (reply.info & SaneInfo.ReloadOptions) await this.reloadDescriptors();
    return true;
  }

  /** Reads an option's current value. */
  async read(option: SaneOptionDescriptor): Promise<SaneOptionValue> {
    return (await this.conn.controlOption(this.handle, option, SaneAction.Get)).value;
  }
}

/** Opens the device on demand, serialises its users, closes it when idle. */
export class DeviceSession {
  private open: OpenDevice | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private holders = 0;

  constructor(private readonly options: DeviceSessionOptions) {}

  /** True while some operation holds the device. */
  get inUse(): boolean {
    return this.holders > 0;
  }

  /** True while the device is open (in use, or waiting for its idle close). */
  get isOpen(): boolean {
    return this.open !== undefined && !this.open.conn.isClosed;
  }

  /** Runs `work` with the device open and exclusively held; a broken connection is dropped. */
  async use<T>(work: (device: OpenDevice) => Promise<T>): Promise<T> {
    const lease = await this.acquire();
    try {
      return await work(lease.device);
    } catch (err) {
      lease.failed(err);
      throw err;
    } finally {
      lease.release();
    }
  }

  /** Holds the device open and exclusive until `release()` (a scan spans many awaits and yields). */
  async acquire(): Promise<DeviceLease> {
    this.holders++;
    let release!: () => void;
    const previous = this.lock;
    this.lock = new Promise<void>((resolve) => (release = resolve));
    await previous;
    clearTimeout(this.idleTimer);
    let device: OpenDevice;
    try {
      device = await this.ensureOpen();
    } catch (err) {
      this.finishLease(release);
      throw err;
    }
    let released = false;
    return {
      device,
      failed: (err) => {
        if (device.conn.isClosed || (err instanceof ScanError && BROKEN_CONNECTION_CODES.includes(err.code))) this.drop();
      },
      release: () => {
        if (released) return;
        released = true;
        this.finishLease(release);
      },
    };
  }

  private finishLease(release: () => void): void {
    this.holders--;
    release();
    if (this.holders === 0) this.scheduleIdleClose();
  }

  /** Closes the device and the connection now. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const open = this.open;
    this.open = undefined;
    if (!open || open.conn.isClosed) return;
    await open.conn.closeDevice(open.handle).catch(() => undefined);
    await open.conn.exit();
  }

  /** Drops the connection without the CLOSE/EXIT courtesy (it is broken). */
  drop(): void {
    this.open?.conn.destroy();
    this.open = undefined;
  }

  private async ensureOpen(): Promise<OpenDevice> {
    if (this.open && !this.open.conn.isClosed) return this.open;
    const { host, port, device, credentials, timeouts, tracer, label } = this.options;
    const conn = await SaneControlConnection.open({ host, port, credentials, timeouts, tracer, device: label });
    try {
      const handle = await conn.openDevice(device);
      const descriptors = await conn.getOptionDescriptors(handle);
      this.open = new OpenDevice(conn, handle, descriptors, this.options.logger);
      return this.open;
    } catch (err) {
      await conn.exit();
      throw err;
    }
  }

  /**
   * Closes the device once the current holders are done, unless another operation
   * queued meanwhile. Used after a short read, so the device is not left locked.
   */
  closeWhenIdle(): Promise<void> {
    clearTimeout(this.idleTimer);
    // Through the lock, so an operation that starts meanwhile is not cut off.
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise<void>((resolve) => (release = resolve));
    return previous
      .then(() => (this.holders === 0 ? this.close() : undefined))
      .catch(() => undefined)
      .finally(release);
  }

  private scheduleIdleClose(): void {
    clearTimeout(this.idleTimer);
    if (!this.open) return;
    this.idleTimer = setTimeout(() => void this.closeWhenIdle(), this.options.idleCloseMs);
    this.idleTimer.unref();
  }
}
