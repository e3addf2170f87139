/**
 * The data port reader on real loopback sockets: record framing taken off across reads, the
 * sink's backpressure reaching the socket (the peer's sends stall, nothing is lost, nothing
 * piles up), and every way a transfer can end badly settling with a clear error.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ImageByteSink } from '../../../src/protocols/sane/byte-sink.js';
import { DEFAULT_SANE_TIMEOUTS } from '../../../src/protocols/sane/control-connection.js';
import { connectImageData, DATA_READ_BUFFER_BYTES } from '../../../src/protocols/sane/data-connection.js';
import { dataStream } from '../../sim/saned/fake-saned.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A data port that runs `serve` on the one connection it accepts. */
async function dataPort(serve: (peer: Socket) => void): Promise<{ port: number; peerClosed: Promise<void> }> {
  let closed!: () => void;
  const peerClosed = new Promise<void>((r) => (closed = r));
  const server = createServer((peer) => {
    peer.on('error', () => undefined); // the reader may hang up first
    peer.on('close', () => closed());
    serve(peer);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, peerClosed };
}

/** Writes `bytes` in odd-sized pieces, as a network would cut them. */
async function sendInPieces(peer: Socket, bytes: Buffer, piece = 5003): Promise<void> {
  for (let at = 0; at < bytes.length; at += piece) {
    if (!peer.write(bytes.subarray(at, at + piece))) await once(peer, 'drain');
  }
}

const pattern = (n: number, seed = 7) => Buffer.from(Array.from({ length: n }, (_, i) => (i * seed + (i >> 9)) & 0xff));

/** saned's framing: records of up to 8188 bytes (its 8 KiB buffer less the length word), sizes varying. */
function records(image: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < image.length; i++) {
    const size = [8188, 1, 4000, 8188, 77][i % 5] as number;
    out.push(image.subarray(at, at + size));
    at += size;
  }
  return out;
}

/** A sink that keeps copies (the views are only valid during write) and can be told to stop accepting. */
class CollectingSink implements ImageByteSink {
  parts: Buffer[] = [];
  bytes = 0;
  accepting = true;
  private wake: (() => void) | undefined;
  constructor(private readonly failAfter = Infinity) {}
  write(bytes: Buffer): void {
    if (this.bytes + bytes.length > this.failAfter) throw new Error('the disk is full');
    this.parts.push(Buffer.from(bytes));
    this.bytes += bytes.length;
  }
  ready(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }
  accept(): void {
    this.accepting = true;
    this.wake?.();
  }
  get all(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const options = (port: number, over: Partial<{ signal: AbortSignal; dataIdleMs: number }> = {}) => ({
  host: '127.0.0.1',
  port,
  timeouts: { ...DEFAULT_SANE_TIMEOUTS, dataIdleMs: over.dataIdleMs ?? DEFAULT_SANE_TIMEOUTS.dataIdleMs },
  signal: over.signal ?? new AbortController().signal,
  device: 'test:0',
});

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('image data connection', () => {
  it('hands every image byte in order to the sink, records cut across reads, and settles at the end marker (saned sends 4 more bytes after the status)', async () => {
    const image = pattern(3_000_000);
    const { port } = await dataPort((peer) => void sendInPieces(peer, dataStream(records(image), 5, Buffer.from([0, 0, 0, 0]))));
    const data = await connectImageData(options(port));
    const sink = new CollectingSink();
    await data.readInto(sink);
    expect(sink.all.equals(image)).toBe(true);
  });

  it('reads nothing before readInto, and loses nothing that came meanwhile', async () => {
    const image = pattern(200_000, 13);
    const { port } = await dataPort((peer) => peer.write(dataStream(records(image), 5)));
    const data = await connectImageData(options(port));
    await sleep(100); // the peer has sent everything by now
    const sink = new CollectingSink();
    await data.readInto(sink);
    expect(sink.all.equals(image)).toBe(true);
  });

  it('stops reading while the sink is not accepting, holding no more than one read, and reads on when it is ready', async () => {
    const image = pattern(24 * 1024 * 1024, 3);
    const { port } = await dataPort((peer) => void sendInPieces(peer, dataStream(records(image), 5), 65536));
    const data = await connectImageData(options(port));
    const sink = new CollectingSink();
    const origWrite = sink.write.bind(sink);
    sink.write = (bytes) => {
      origWrite(bytes);
      if (sink.bytes >= 1024 * 1024) sink.accepting = false; // full after the first MiB
    };
    const done = data.readInto(sink);
    while (sink.accepting) await sleep(5);
    await sleep(200); // the peer keeps sending: the kernel's buffers fill, our side takes nothing
    const held = sink.bytes;
    expect(held).toBeLessThanOrEqual(1024 * 1024 + DATA_READ_BUFFER_BYTES);
    await sleep(100);
    expect(sink.bytes).toBe(held);
    sink.write = origWrite;
    sink.accept();
    await done;
    expect(sink.all.equals(image)).toBe(true);
  });

  it('maps an error status after the end marker (JAMMED → AdfJam)', async () => {
    const { port } = await dataPort((peer) => peer.end(dataStream([pattern(100)], 6)));
    const error = await errorOf((await connectImageData(options(port))).readInto(new CollectingSink()));
    expect(error.code).toBe('AdfJam');
  });

  it('reports a connection closed in the middle of a record as DeviceOffline', async () => {
    const whole = dataStream([pattern(5000)], 5);
    const { port } = await dataPort((peer) => peer.end(whole.subarray(0, 3000)));
    const error = await errorOf((await connectImageData(options(port))).readInto(new CollectingSink()));
    expect(error.code).toBe('DeviceOffline');
    expect(error.message).toMatch(/closed before the end of the image/);
  });

  it('reports an end marker without a status byte as a protocol error', async () => {
    const { port } = await dataPort((peer) => peer.end(dataStream([pattern(10)], null)));
    const error = await errorOf((await connectImageData(options(port))).readInto(new CollectingSink()));
    expect(error.code).toBe('ProtocolError');
  });

  it('refuses an oversized record at once and hangs up', async () => {
    const { port, peerClosed } = await dataPort((peer) => peer.write(Buffer.from([0x7f, 0xff, 0xff, 0xf0, 1, 2, 3])));
    const error = await errorOf((await connectImageData(options(port))).readInto(new CollectingSink()));
    expect(error.code).toBe('ProtocolError');
    await peerClosed;
  });

  it('stops with the error a sink throws (a full disk) and hangs up', async () => {
    const { port, peerClosed } = await dataPort((peer) => void sendInPieces(peer, dataStream(records(pattern(2_000_000)), 5)).catch(() => undefined));
    const error = await errorOf((await connectImageData(options(port))).readInto(new CollectingSink(100_000)));
    expect(error.message).toMatch(/the disk is full/);
    await peerClosed;
  });

  it('ends a transfer that falls silent after the idle time with Timeout', async () => {
    const { port } = await dataPort((peer) => peer.write(dataStream([pattern(100)], 5).subarray(0, 50)));
    const error = await errorOf((await connectImageData(options(port, { dataIdleMs: 300 }))).readInto(new CollectingSink()));
    expect(error.code).toBe('Timeout');
  });

  it('ends with Cancelled when the job is cancelled mid-transfer, also while the sink holds it up', async () => {
    const controller = new AbortController();
    const { port, peerClosed } = await dataPort((peer) => void sendInPieces(peer, dataStream(records(pattern(8_000_000)), 5)).catch(() => undefined));
    const sink = new CollectingSink();
    const data = await connectImageData(options(port, { signal: controller.signal }));
    const done = data.readInto(sink);
    while (sink.bytes === 0) await sleep(5);
    sink.accepting = false;
    setTimeout(() => controller.abort(), 50);
    expect((await errorOf(done)).code).toBe('Cancelled');
    await peerClosed;
  });

  it('refuses to start when the job was cancelled already', async () => {
    const controller = new AbortController();
    controller.abort();
    const { port } = await dataPort(() => undefined);
    await expect(connectImageData(options(port, { signal: controller.signal }))).rejects.toMatchObject({ code: 'Cancelled' });
  });
});
