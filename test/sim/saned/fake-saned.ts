/**
 * A scripted saned for hostile replies: it parses the client's requests (PROTOCOLS.md
 * C.2) and answers each RPC with whatever bytes a test supplies, so truncated words,
 * absurd lengths, wrong byte order, endless arrays and broken data ports can be staged.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { WireWriter } from '../../../src/protocols/sane/wire-writer.js';

/** RPC codes of requests the fake understands. */
export const RPC = { INIT: 0, GET_DEVICES: 1, OPEN: 2, CLOSE: 3, GET_OPTION_DESCRIPTORS: 4, CONTROL_OPTION: 5, GET_PARAMETERS: 6, START: 7, CANCEL: 8, AUTHORIZE: 9, EXIT: 10 } as const;

/** One parsed request. */
export interface FakeRequest {
  rpc: number;
  words: number[];
  strings: (string | null)[];
  value?: Buffer;
}

/** The reply to a request: bytes, `'hang'` (say nothing), `'close'`, or bytes then close. */
export type FakeReply = Buffer | 'hang' | 'close' | { bytes: Buffer; thenClose: true };

/** Answers requests; unknown RPCs get a dummy word. */
export type FakeScript = (req: FakeRequest, socket: Socket) => FakeReply | Promise<FakeReply>;

class RequestParser {
  private buf = Buffer.alloc(0);
  private at = 0;
  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf.subarray(this.at), chunk]);
    this.at = 0;
  }
  private need(n: number): boolean {
    return this.buf.length - this.at >= n;
  }
  private word(): number {
    if (!this.need(4)) throw new RangeError('more');
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  private string(): string | null {
    const n = this.word();
    if (n === 0) return null;
    if (!this.need(n)) throw new RangeError('more');
    const s = this.buf.toString('utf8', this.at, this.at + n - 1);
    this.at += n;
    return s;
  }
  /** The next whole request, or undefined when more bytes are needed. */
  next(): FakeRequest | undefined {
    const start = this.at;
    try {
      const rpc = this.word();
      const req: FakeRequest = { rpc, words: [], strings: [] };
      if (rpc === RPC.INIT) {
        req.words.push(this.word());
        req.strings.push(this.string());
      } else if (rpc === RPC.OPEN) req.strings.push(this.string());
      else if (rpc === RPC.AUTHORIZE) req.strings.push(this.string(), this.string(), this.string());
      else if (rpc === RPC.CONTROL_OPTION) this.controlOption(req);
      else if (rpc !== RPC.GET_DEVICES && rpc !== RPC.EXIT) req.words.push(this.word());
      return req;
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      this.at = start;
      return undefined;
    }
  }
  private controlOption(req: FakeRequest): void {
    req.words.push(this.word(), this.word(), this.word());
    if (req.words[2] === 2) return;
    const type = this.word();
    req.words.push(type, this.word());
    const n = this.word();
    const bytes = type === 3 ? n : n * 4;
    if (!this.need(bytes)) throw new RangeError('more');
    req.value = this.buf.subarray(this.at, this.at + bytes);
    this.at += bytes;
  }
}

/** A running fake saned. */
export interface FakeSaned {
  host: string;
  port: number;
  requests: FakeRequest[];
  stop(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Starts the fake on a free loopback port. */
export async function startFakeSaned(script: FakeScript): Promise<FakeSaned> {
  const sockets = new Set<Socket>();
  const requests: FakeRequest[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const parser = new RequestParser();
    let chain = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      parser.push(chunk);
      for (let req = parser.next(); req; req = parser.next()) {
        const request = req;
        requests.push(request);
        chain = chain.then(async () => answer(socket, await script(request, socket)));
      }
    });
  });
  const port = await listen(server);
  return {
    host: '127.0.0.1',
    port,
    requests,
    stop: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

function answer(socket: Socket, reply: FakeReply): void {
  if (socket.destroyed || reply === 'hang') return;
  if (reply === 'close') socket.destroy();
  else if (Buffer.isBuffer(reply)) socket.write(reply);
  else socket.end(reply.bytes, () => socket.destroy());
}

/** A data port that serves fixed bytes to the first connection, or never sends anything. */
export interface FakeDataPort {
  port: number;
  stop(): Promise<void>;
}

/** Slices per second of a trickling data port. */
const TRICKLE_TICKS_PER_SECOND = 10;

/** Sends `bytes` at about `bytesPerSecond`, in small slices, until done or the socket closes. */
async function trickle(socket: Socket, bytes: Buffer, bytesPerSecond: number): Promise<void> {
  const slice = Math.max(1, Math.floor(bytesPerSecond / TRICKLE_TICKS_PER_SECOND));
  for (let at = 0; at < bytes.length && !socket.destroyed; at += slice) {
    socket.write(bytes.subarray(at, at + slice));
    await new Promise((r) => setTimeout(r, 1000 / TRICKLE_TICKS_PER_SECOND));
  }
  if (!socket.destroyed) socket.end();
}

/**
 * Starts a data port serving `bytes` to every connection; `bytes` undefined = accept and stay
 * silent; `bytesPerSecond` = trickle them (a device that sends a page at a crawl).
 */
export async function startFakeDataPort(bytes?: Buffer, options: { bytesPerSecond?: number } = {}): Promise<FakeDataPort> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (bytes && options.bytesPerSecond !== undefined) void trickle(socket, bytes, options.bytesPerSecond);
    else if (bytes) socket.end(bytes);
  });
  const port = await listen(server);
  return {
    port,
    stop: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** Data records: each buffer as one record, then the end marker and a status byte (omitted when null). */
export function dataStream(records: Buffer[], status: number | null, trailer = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(r.length);
    parts.push(head, r);
  }
  parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  if (status !== null) parts.push(Buffer.from([status]));
  return Buffer.concat([...parts, trailer]);
}

/** Index of the first sensor option of `wellBehaved.descriptors` without sources (after the count, mode, resolution and the four region options). */
export const SENSOR_BASE_INDEX = 7;

/** Replies of a minimal well-behaved device: Gray-only, 1..600 dpi, 100×100 mm, 8-bit. */
export const wellBehaved = {
  init: () => new WireWriter().word(0).word(0x01010003).toBuffer(),
  devices: () => new WireWriter().word(0).word(2).word(0).string('fake:0').string('Fake').string('Hostile').string('virtual device').word(1).toBuffer(),
  open: () => new WireWriter().word(0).word(7).string(null).toBuffer(),
  /**
   * With `sources`, a `source` option offering them (e.g. `['Flatbed', 'ADF']`); with `sensors`,
   * read-only bool sensor options (HARD_SELECT | SOFT_DETECT, like a backend's `scan` button) at the
   * end, from index SENSOR_BASE_INDEX (+1 with sources).
   */
  descriptors: (sources: string[] = [], sensors: string[] = []) => {
    const w = new WireWriter().word((sources.length > 0 ? 8 : 7) + sensors.length);
    const opt = (name: string, type: number, unit: number, size: number, cap: number) => w.word(0).string(name).string(name).string('').word(type).word(unit).word(size).word(cap);
    opt('', 1, 0, 4, 4).word(0);
    if (sources.length > 0) {
      opt('source', 3, 0, 32, 5).word(3).word(sources.length + 1);
      for (const source of sources) w.string(source);
      w.string(null);
    }
    opt('mode', 3, 0, 8, 5).word(3).word(2).string('Gray').string(null);
    opt('resolution', 1, 4, 4, 5).word(1).word(0).word(1).word(600).word(1);
    for (const name of ['tl-x', 'tl-y', 'br-x', 'br-y']) opt(name, 2, 3, 4, 5).word(1).word(0).word(0).word(100 * 65536).word(0);
    for (const name of sensors) opt(name, 0, 0, 4, 6).word(0);
    return w.toBuffer();
  },
  controlOption: (req: FakeRequest) => {
    const w = new WireWriter().word(0).word(0).word(req.words[3] ?? 0).word(req.words[4] ?? 0);
    const value = req.value ?? Buffer.alloc(0);
    w.word(req.words[3] === 3 ? value.length : value.length / 4);
    const body = w.toBuffer();
    return Buffer.concat([body, value, new WireWriter().string(null).toBuffer()]);
  },
  parameters: (width: number, lines: number) => new WireWriter().word(0).word(0).word(1).word(width).word(width).word(lines).word(8).toBuffer(),
  start: (port: number) => new WireWriter().word(0).word(port).word(0x1234).string(null).toBuffer(),
  dummy: () => new WireWriter().word(0).toBuffer(),
};
