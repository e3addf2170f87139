/**
 * The control connection to saned: the one file that does socket I/O for RPCs.
 * RPCs are serialised (one request, one reply at a time), every reply has a
 * deadline, and authorization round trips (PROTOCOLS.md C.5) are handled here.
 */
import { createHash } from 'node:crypto';
import { connect, type Socket, type TcpNetConnectOpts } from 'node:net';
import { ScanError } from '../../core/errors.js';
import type { DeviceCredentials } from '../../core/device.js';
import type { ProtocolTracer } from '../../core/trace.js';
import { SaneAction, SaneRpc, SaneStatus } from './constants.js';
import type { SaneOptionDescriptor } from './descriptors.js';
import * as msg from './messages.js';
import { expectGood } from './sane-status.js';
import { SocketSource, toOffline } from './socket-source.js';
import { WireReader } from './wire-reader.js';

/** Time limits of the SANE client, in milliseconds. */
export interface SaneTimeouts {
  /** TCP connect to saned or to a data port. */
  connectMs: number;
  /** Any RPC reply. */
  replyMs: number;
  /** START's reply: real scanners warm their lamp before answering. */
  startMs: number;
  /** Silence on the data connection before the scan is given up. */
  dataIdleMs: number;
}

/** Defaults for SaneTimeouts. */
export const DEFAULT_SANE_TIMEOUTS: SaneTimeouts = { connectMs: 5_000, replyMs: 15_000, startMs: 120_000, dataIdleMs: 60_000 };

/** How many AUTHORIZE round trips one RPC may ask for before the server is deemed broken. */
const MAX_AUTH_ROUNDS = 3;

/** User name sent in INIT and AUTHORIZE when none is configured. */
export const DEFAULT_SANE_USER = 'scan2mqtt';

/** What a control connection needs. */
export interface ControlConnectionOptions {
  host: string;
  port: number;
  credentials?: DeviceCredentials;
  timeouts: SaneTimeouts;
  tracer: ProtocolTracer;
  /** Label used in errors and traces. */
  device: string;
}

/** The AUTHORIZE password: `$MD5$` + md5hex(salt + password) when the resource carries a salt (salt first). */
export function authorizePassword(resource: string, password: string): string {
  const at = resource.indexOf('$MD5$');
  if (at === -1) return password;
  const salt = resource.slice(at + 5);
  return '$MD5$' + createHash('md5').update(salt + password, 'utf8').digest('hex');
}

/**
 * Opens a TCP connection with a deadline; refusal and unreachability become DeviceOffline.
 * With `onread` (reads into a caller's buffer) the socket stays paused until resumed.
 */
export function connectSocket(host: string, port: number, timeoutMs: number, describe: string, reads: Pick<TcpNetConnectOpts, 'onread'> = {}): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ...reads });
    if (reads.onread) socket.pause();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ScanError('DeviceOffline', `${describe}: no connection to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // Errors are the owner's from here; until it listens, one must not end the daemon.
      socket.on('error', () => undefined);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(toOffline(err, describe));
    });
  });
}

/** One control connection to saned. */
export class SaneControlConnection {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly source: SocketSource;
  private readonly reader: WireReader;
  private closed = false;

  private constructor(private readonly socket: Socket, private readonly options: ControlConnectionOptions) {
    this.source = new SocketSource(socket, options.device, options.tracer.enabled);
    this.reader = new WireReader(this.source);
    socket.on('close', () => (this.closed = true));
  }

  /** Connects and sends INIT. */
  static async open(options: ControlConnectionOptions): Promise<SaneControlConnection> {
    const socket = await connectSocket(options.host, options.port, options.timeouts.connectMs, options.device);
    const conn = new SaneControlConnection(socket, options);
    try {
      const user = options.credentials?.username ?? DEFAULT_SANE_USER;
      const reply = await conn.rpc('INIT', msg.buildInit(user), msg.readInitReply);
      expectGood(reply.status, 'SANE_NET_INIT');
      return conn;
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }

  /** True once the socket closed (server gone or destroyed). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The remote host, where data ports live too. */
  get host(): string {
    return this.options.host;
  }

  /** GET_DEVICES. */
  async getDevices(): Promise<msg.SaneDevice[]> {
    const reply = await this.rpc('GET_DEVICES', msg.buildSimple(SaneRpc.GetDevices), msg.readDevicesReply);
    expectGood(reply.status, 'SANE_NET_GET_DEVICES');
    return reply.devices;
  }

  /** OPEN, with authorization when the server asks; returns the handle. */
  async openDevice(device: string): Promise<number> {
    const reply = await this.rpcWithAuth('OPEN', msg.buildOpen(device), msg.readOpenReply);
    expectGood(reply.status, `SANE_NET_OPEN ${device}`);
    return reply.handle;
  }

  /** GET_OPTION_DESCRIPTORS. */
  getOptionDescriptors(handle: number): Promise<SaneOptionDescriptor[]> {
    return this.rpc('GET_OPTION_DESCRIPTORS', msg.buildSimple(SaneRpc.GetOptionDescriptors, handle), msg.readDescriptorsReply);
  }

  /** CONTROL_OPTION; the caller acts on `info`. */
  async controlOption(handle: number, option: SaneOptionDescriptor, action: SaneAction, value?: msg.SaneOptionValue): Promise<msg.ControlOptionReply> {
    const request = msg.buildControlOption(handle, option, action, value);
    const reply = await this.rpcWithAuth(`CONTROL_OPTION ${option.name}`, request, msg.readControlOptionReply);
    expectGood(reply.status, `SANE_NET_CONTROL_OPTION ${option.name}`);
    return reply;
  }

  /** GET_PARAMETERS. */
  async getParameters(handle: number): Promise<msg.SaneParameters> {
    const reply = await this.rpc('GET_PARAMETERS', msg.buildSimple(SaneRpc.GetParameters, handle), msg.readParametersReply);
    expectGood(reply.status, 'SANE_NET_GET_PARAMETERS');
    return reply;
  }

  /** START; the status is returned, not thrown, because NO_DOCS ends an ADF batch. */
  start(handle: number): Promise<msg.StartReply> {
    return this.rpcWithAuth('START', msg.buildSimple(SaneRpc.Start, handle), msg.readStartReply, this.options.timeouts.startMs);
  }

  /** CANCEL. */
  async cancel(handle: number): Promise<void> {
    await this.rpc('CANCEL', msg.buildSimple(SaneRpc.Cancel, handle), msg.readDummyReply);
  }

  /** CLOSE of a device handle. */
  async closeDevice(handle: number): Promise<void> {
    await this.rpc('CLOSE', msg.buildSimple(SaneRpc.Close, handle), msg.readDummyReply);
  }

  /** EXIT and end the connection; never throws. */
  async exit(): Promise<void> {
    if (!this.closed) {
      await this.enqueue(async () => {
        this.trace('send', 'EXIT', msg.buildSimple(SaneRpc.Exit));
        this.socket.end(msg.buildSimple(SaneRpc.Exit));
      }).catch(() => undefined);
    }
    this.destroy();
  }

  /** Drops the connection at once (after a timeout, an abort, or a protocol error). */
  destroy(): void {
    this.closed = true;
    this.source.fail(new ScanError('DeviceOffline', `${this.options.device}: connection closed`));
    this.socket.destroy();
  }

  /** Sends one request and decodes its reply within the deadline. */
  rpc<T>(label: string, request: Buffer, readReply: (r: WireReader) => Promise<T>, timeoutMs = this.options.timeouts.replyMs): Promise<T> {
    return this.enqueue(() => this.exchange(label, request, readReply, timeoutMs));
  }

  private rpcWithAuth<T extends { status: number; resource: string | null }>(label: string, request: Buffer, readReply: (r: WireReader) => Promise<T>, timeoutMs = this.options.timeouts.replyMs): Promise<T> {
    return this.enqueue(async () => {
      let reply = await this.exchange(label, request, readReply, timeoutMs);
      for (let round = 0; reply.resource && reply.status === SaneStatus.Good; round++) {
        if (round >= MAX_AUTH_ROUNDS) throw new ScanError('AccessDenied', `${label}: authorization requested ${round} times`);
        // Without credentials, still answer so the server sends its final (denying) reply and the stream stays in step.
        const user = this.options.credentials?.username ?? DEFAULT_SANE_USER;
        const password = authorizePassword(reply.resource, this.options.credentials?.password ?? '');
        await this.exchange('AUTHORIZE', msg.buildAuthorize(reply.resource, user, password), msg.readDummyReply, timeoutMs);
        reply = await this.exchange(label, Buffer.alloc(0), readReply, timeoutMs);
      }
      if (reply.status === SaneStatus.AccessDenied) throw new ScanError('AccessDenied', `${label}: saned refused the credentials`);
      return reply;
    });
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async exchange<T>(label: string, request: Buffer, readReply: (r: WireReader) => Promise<T>, timeoutMs: number): Promise<T> {
    if (this.closed) throw new ScanError('DeviceOffline', `${this.options.device}: connection closed`);
    this.source.beginReply();
    if (request.length > 0) {
      this.trace('send', label, request);
      this.socket.write(request);
    }
    const timer = setTimeout(() => {
      this.source.fail(new ScanError('Timeout', `${this.options.device}: no reply to ${label} within ${timeoutMs} ms`));
      this.socket.destroy();
    }, timeoutMs);
    try {
      const reply = await readReply(this.reader);
      const bytes = this.source.takeTranscript();
      if (bytes) this.trace('receive', label, bytes);
      return reply;
    } catch (err) {
      // After a failed decode the stream position is unknown: the connection is unusable.
      this.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private trace(direction: 'send' | 'receive', label: string, body: Buffer): void {
    if (!this.options.tracer.enabled) return;
    try {
      this.options.tracer.record({ protocol: 'sane', device: this.options.device, direction, label, body });
    } catch {
      // A tracer must never break the protocol.
    }
  }
}
