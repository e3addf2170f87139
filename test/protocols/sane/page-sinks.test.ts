/**
 * The sinks between a data port and a page file: the strip JPEG encoder's bounds (strips in
 * memory, output waiting for a slow consumer, a consumer that gives up), strip sizes, the
 * strip pool, the announced-height page sink (cut, white padding within the encoder's
 * bounds) and the copying feed in front of stream encoders.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WritableFeed, type PageEncoder } from '../../../src/protocols/sane/byte-sink.js';
import { JpegStripEncoder, MAX_STRIP_LINES, STRIP_TARGET_BYTES, STRIPS_IN_FLIGHT, stripLinesFor } from '../../../src/protocols/sane/jpeg-strip-encoder.js';
import { MAX_RESTART_INTERVAL } from '../../../src/protocols/sane/jpeg-strips.js';
import { PageLineSink, SpoolFrameSink } from '../../../src/protocols/sane/page-lines.js';
import { createWriteStream } from 'node:fs';
import { createPageEncoder } from '../../../src/protocols/sane/page-encoder.js';
import { StripPool } from '../../../src/protocols/sane/strip-pool.js';
import { SaneFrame } from '../../../src/protocols/sane/constants.js';
import { collect } from './helpers.js';

const gradient = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31) & 0xff));

describe('strip sizes', () => {
  it('are whole MCU rows of 16 lines, about the target size, and never more than the cap', () => {
    for (const shape of [{ width: 4960, channels: 3 }, { width: 2480, channels: 3 }, { width: 4960, channels: 1 }, { width: 100, channels: 1 }, { width: 9920, channels: 3 }] as const) {
      const lines = stripLinesFor(shape);
      expect(lines % 16).toBe(0);
      expect(lines).toBeLessThanOrEqual(MAX_STRIP_LINES);
      expect(lines * shape.width * shape.channels).toBeLessThanOrEqual(STRIP_TARGET_BYTES);
    }
    expect(stripLinesFor({ width: 100, channels: 1 })).toBe(MAX_STRIP_LINES);
  });

  it('keep the restart interval within its 16 bits on very wide grey pages', () => {
    // A 1200 dpi grey line 60 inches long: 72000 pixels, 9000 MCUs of 8 x 8 per MCU row.
    const width = 72_000;
    const lines = stripLinesFor({ width, channels: 1 });
    expect(Math.ceil(width / 8) * (lines / 8)).toBeLessThanOrEqual(MAX_RESTART_INTERVAL);
    expect(lines).toBeGreaterThanOrEqual(16);
  });
});

describe('strip JPEG encoder bounds', () => {
  it('stops accepting when lines come faster than strips are encoded, with the strips in flight and one waiting', async () => {
    const [width, height] = [800, 1024];
    const encoder = new JpegStripEncoder({ width, height, channels: 3 }, 80, 64);
    const reading = collect(encoder.output);
    const line = gradient(width * 3);
    let written = 0;
    while (encoder.accepting) {
      encoder.write(line);
      written++;
    }
    expect(written).toBe((STRIPS_IN_FLIGHT + 1) * 64);
    for (; written < height; written++) {
      if (!encoder.accepting) await encoder.ready();
      encoder.write(line);
    }
    encoder.end();
    const meta = await sharp(await reading).metadata();
    expect([meta.width, meta.height]).toEqual([width, height]);
  });

  it('waits for a consumer that does not read once its output passes the high-water mark, and goes on when it reads', async () => {
    // Noise barely compresses: the unread JPEG passes 4 MiB well before the page ends.
    const [width, height] = [2400, 2400];
    const encoder = new JpegStripEncoder({ width, height, channels: 3 }, 95, 64);
    const noise = randomBytes(width * 3 * 64);
    let written = 0;
    let blocked = false;
    while (written < height && !blocked) {
      encoder.write(noise.subarray((written % 64) * width * 3, ((written % 64) + 1) * width * 3));
      written++;
      if (!encoder.accepting) blocked = (await Promise.race([encoder.ready().then(() => false), new Promise((r) => setTimeout(r, 1000, true))])) as boolean;
    }
    expect(blocked).toBe(true);
    expect(written).toBeLessThan(height);
    expect(encoder.output.readableLength).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    const reading = collect(encoder.output);
    for (; written < height; written++) {
      if (!encoder.accepting) await encoder.ready();
      encoder.write(noise.subarray((written % 64) * width * 3, ((written % 64) + 1) * width * 3));
    }
    encoder.end();
    const meta = await sharp(await reading).metadata();
    expect([meta.width, meta.height]).toEqual([width, height]);
  });

  it('holds at most the strips in flight and the one filling while the encodes are slower than the lines', async () => {
    const pool = new StripPool();
    const take = vi.spyOn(pool, 'take');
    const give = vi.spyOn(pool, 'give');
    const [width, height] = [1000, 4096];
    const encoder = new JpegStripEncoder({ width, height, channels: 1 }, 80, 64, pool);
    const reading = collect(encoder.output);
    const block = gradient(width * 64 * 4); // four strips in one write, as a large socket read may bring
    let peakOutstanding = 0;
    for (let at = 0; at < height; at += 256) {
      encoder.write(block);
      peakOutstanding = Math.max(peakOutstanding, take.mock.calls.length - give.mock.calls.length);
      if (!encoder.accepting) await encoder.ready();
    }
    encoder.end();
    await reading;
    // In flight, waiting from the last write, and the one filling; never the page.
    expect(peakOutstanding).toBeLessThanOrEqual(STRIPS_IN_FLIGHT + 4 + 1);
    expect(take.mock.calls.length).toBe(height / 64);
  });

  it('stops taking lines when the consumer gives up, and tells a waiting writer', async () => {
    const encoder = new JpegStripEncoder({ width: 1600, height: 1600, channels: 3 }, 95, 64);
    encoder.output.on('error', () => undefined); // nobody consumes this output
    const strip = randomBytes(1600 * 3 * 64);
    while (encoder.accepting) {
      encoder.write(strip);
      await new Promise((r) => setTimeout(r, 5));
    }
    const waiting = encoder.ready();
    encoder.output.destroy(new Error('the disk is full'));
    await expect(waiting).rejects.toThrow(/the disk is full/);
    expect(() => encoder.write(gradient(600))).toThrow(/the disk is full/);
  });

  it('passes destroy() on to the output as its error', async () => {
    const encoder = new JpegStripEncoder({ width: 20, height: 100, channels: 1 }, 80, 16);
    encoder.write(gradient(20 * 40));
    const reading = collect(encoder.output);
    encoder.destroy(Object.assign(new Error('gone'), { code: 'DeviceOffline' }));
    await expect(reading).rejects.toMatchObject({ code: 'DeviceOffline' });
  });

  it('fails a page that ended without a single line', async () => {
    const encoder = new JpegStripEncoder({ width: 20, height: 100, channels: 1 }, 80, 16);
    const reading = collect(encoder.output);
    encoder.end();
    await expect(reading).rejects.toThrow(/page without lines/);
  });
});

describe('stream-fed encoders (PNG, TIFF, 16-bit)', () => {
  for (const [encoding, sampleBytes] of [['png', 1], ['tiff', 1], ['png', 2]] as const) {
    it(`stop the transfer when the consumer closes the page mid-way (${encoding}, ${sampleBytes * 8}-bit), without an uncaught error`, async () => {
      const [width, height] = [300, 2000];
      const encoder = createPageEncoder({ width, height, channels: 3, sampleBytes }, encoding);
      encoder.output.on('error', () => undefined); // the page's consumer listens, as the job does
      encoder.output.resume();
      const line = gradient(width * 3 * sampleBytes);
      for (let y = 0; y < 100; y++) encoder.write(line);
      // The job breaks off (a page limit, a cancel): it destroys the page stream.
      encoder.output.destroy();
      await new Promise((r) => setImmediate(r));
      await expect((async () => {
        for (let y = 0; y < height; y++) {
          encoder.write(line);
          if (!encoder.accepting) await encoder.ready();
        }
      })()).rejects.toThrow();
    });
  }
});

describe('strip pool', () => {
  afterEach(() => vi.useRealTimers());

  it('reuses buffers of one size, drops other sizes, keeps a few, and lets all go when idle', () => {
    vi.useFakeTimers();
    const pool = new StripPool(10_000);
    const a = pool.take(1000);
    pool.give(a);
    expect(pool.take(1000)).toBe(a);
    const many = Array.from({ length: 8 }, () => pool.take(1000));
    for (const b of many) pool.give(b);
    expect(pool.held).toBeLessThanOrEqual(4);
    expect(pool.take(2000).length).toBe(2000);
    expect(pool.held).toBe(0); // the 1000-byte ones went when the size changed
    pool.give(Buffer.alloc(2000));
    expect(pool.held).toBe(1);
    vi.advanceTimersByTime(10_001);
    expect(pool.held).toBe(0);
  });
});

/** A page encoder that records what it gets and accepts only a few lines at a time. */
class CountingEncoder implements PageEncoder {
  readonly output = new PassThrough();
  bytes: Buffer[] = [];
  pending = 0;
  peakPending = 0;
  ended = false;
  constructor(private readonly room: number) {}
  get accepting(): boolean {
    return this.pending < this.room;
  }
  write(bytes: Buffer): void {
    this.bytes.push(Buffer.from(bytes));
    this.pending += bytes.length;
    this.peakPending = Math.max(this.peakPending, this.pending);
  }
  async ready(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    this.pending = 0;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {}
}

const grayLayout = (width: number, bytesPerLine = width) => ({ format: SaneFrame.Gray, depth: 8, pixelsPerLine: width, bytesPerLine, byteOrder: 0x1234 });

describe('page line sink', () => {
  it('cuts what comes beyond the announced height and counts what the device sent', async () => {
    const encoder = new CountingEncoder(Infinity);
    const sink = new PageLineSink(encoder, grayLayout(10), 3);
    sink.write(gradient(25));
    sink.write(gradient(25));
    expect(sink.receivedBytes).toBe(50);
    expect(await sink.finish()).toBe(3);
    expect(Buffer.concat(encoder.bytes).length).toBe(30);
    expect(encoder.ended).toBe(true);
  });

  it('completes a cut-off line and missing lines in white', async () => {
    const encoder = new CountingEncoder(Infinity);
    const sink = new PageLineSink(encoder, grayLayout(10), 4);
    sink.write(gradient(15));
    expect(await sink.finish()).toBe(2);
    const out = Buffer.concat(encoder.bytes);
    expect(out.length).toBe(40);
    expect(out.subarray(0, 15).equals(gradient(15))).toBe(true);
    expect(out.subarray(15).every((b) => b === 0xff)).toBe(true);
  });

  it('drops line padding through the normaliser', async () => {
    const encoder = new CountingEncoder(Infinity);
    const sink = new PageLineSink(encoder, grayLayout(3, 4), 2);
    sink.write(Buffer.from([1, 2, 3, 99, 4, 5, 6, 99]));
    await sink.finish();
    expect([...Buffer.concat(encoder.bytes)]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('pads a page whose device sent nothing within the encoder’s bounds, never the whole page at once', async () => {
    const lineBytes = 4960;
    const encoder = new CountingEncoder(lineBytes * 32);
    const sink = new PageLineSink(encoder, grayLayout(lineBytes), 7016);
    expect(await sink.finish()).toBe(0);
    expect(encoder.peakPending).toBeLessThanOrEqual(lineBytes * 32);
    expect(encoder.bytes.reduce((n, b) => n + b.length, 0)).toBe(lineBytes * 7016);
  });
});

describe('spool frame sink', () => {
  it('stops with the disk error of its spool file (ENOSPC), without an uncaught error', async () => {
    const file = createWriteStream('/dev/full'); // every write fails: no space left on device
    const sink = new SpoolFrameSink(grayLayout(1000), file);
    const line = gradient(1000);
    await expect((async () => {
      for (let y = 0; y < 5000; y++) {
        sink.write(line);
        if (!sink.accepting) await sink.ready();
        if (y % 300 === 0) await new Promise((r) => setImmediate(r));
      }
      await sink.close();
    })()).rejects.toMatchObject({ code: 'ENOSPC' });
  });
});

describe('copying feed', () => {
  it('copies transient views into blocks of its size and writes the rest at the end', async () => {
    const got: Buffer[] = [];
    const target = new Writable({ write: (chunk: Buffer, _e, cb) => (got.push(chunk), cb()) });
    const feed = new WritableFeed(target, 1000);
    const view = Buffer.alloc(700);
    for (let i = 0; i < 5; i++) {
      view.fill(i);
      feed.write(view); // the same memory each time, as a reused read buffer
    }
    feed.end();
    await new Promise((r) => target.on('finish', r));
    expect(got.map((b) => b.length)).toEqual([1000, 1000, 1000, 500]);
    const all = Buffer.concat(got);
    for (let i = 0; i < 5; i++) expect(all.subarray(i * 700, (i + 1) * 700).every((b) => b === i)).toBe(true);
  });

  it('rejects a wait for room on a target that was destroyed, instead of waiting for ever', async () => {
    const target = new Writable({ highWaterMark: 10, write: () => undefined }); // never calls back: fills at once
    const feed = new WritableFeed(target, 100);
    feed.write(Buffer.alloc(100));
    feed.write(Buffer.alloc(100));
    expect(feed.accepting).toBe(false);
    const waiting = feed.ready();
    target.destroy(new Error('encoder failed'));
    await expect(waiting).rejects.toThrow(/encoder failed/);
    expect(() => feed.write(Buffer.alloc(1))).toThrow(/encoder failed/);
  });
});
