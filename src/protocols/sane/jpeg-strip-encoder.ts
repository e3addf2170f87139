/**
 * The streaming side of strip JPEG (jpeg-strips.ts has the format): raw lines are copied
 * into strip buffers as they arrive, each full strip is encoded on libuv's thread pool
 * (strip-codec.ts: libjpeg-turbo, or sharp) while the next one fills, and the strips'
 * entropy-coded data is joined, in order, into one JPEG on `output`. Strip buffers come from
 * a pool shared by pages (strip-pool.ts), so a page allocates none whatever its size, and
 * about STRIPS_IN_FLIGHT + 1 strips are in memory.
 */
import { Readable } from 'node:stream';
import { ScanError } from '../../core/errors.js';
import { feedFromReadable, type PageEncoder } from './byte-sink.js';
import { loadStripCodec, type StripCodec } from './strip-codec.js';
import { stripPool, type StripPool } from './strip-pool.js';
import { assembledHead, entropyWithRestartMarker, JPEG_EOI, MAX_RESTART_INTERVAL, parseJpegStrip, restartInterval, type JpegStrip, type StripShape } from './jpeg-strips.js';

/** Strips being encoded at once: one per core of a small machine, where the scanner's daemon may need the other. */
export const STRIPS_IN_FLIGHT = 2;
/**
 * Aim for strips of about this many bytes. Each encode call costs setup on the main thread
 * whatever its size (about a millisecond with sharp), so strips are big; the strip buffers and the
 * encoder's memory grow with them, and the last strip is encoded after the last line came.
 */
export const STRIP_TARGET_BYTES = 4 * 1024 * 1024;
/** Lines per strip at most (a narrow grey page would otherwise be one strip, encoded only at its end). */
export const MAX_STRIP_LINES = 1024;
/** Output buffered before strips wait for the consumer. */
const OUTPUT_HIGH_WATER_BYTES = 4 * 1024 * 1024;

/** MCU rows are 16 lines for 4:2:0 colour and 8 for grey; a multiple of 16 fits both. */
const LINE_STEP = 16;

/**
 * Lines per strip for a page shape: about STRIP_TARGET_BYTES, a multiple of every MCU height,
 * and few enough MCUs per strip for the 16-bit restart interval (grey MCUs are 8 x 8, colour 16 x 16).
 */
export function stripLinesFor(shape: Pick<StripShape, 'width' | 'channels'>): number {
  const mcu = shape.channels === 1 ? 8 : 16;
  const byInterval = Math.floor(MAX_RESTART_INTERVAL / Math.ceil(shape.width / mcu)) * mcu;
  const byBytes = Math.floor(STRIP_TARGET_BYTES / (shape.width * shape.channels));
  const lines = Math.min(byBytes, byInterval, MAX_STRIP_LINES);
  return Math.max(LINE_STEP, lines - (lines % LINE_STEP));
}

interface FullStrip {
  pixels: Buffer;
  lines: number;
}

/** Encodes raw 8-bit lines into one baseline JPEG while they arrive. */
export class JpegStripEncoder implements PageEncoder {
  readonly output: Readable;
  private readonly lineBytes: number;
  private readonly stripBytes: number;
  private readonly waiting: FullStrip[] = [];
  private current: Buffer | undefined;
  private filled = 0;
  private inFlight = 0;
  /** Strips are assembled in page order, whatever order their encodes finish in. */
  private assembly: Promise<void> = Promise.resolve();
  private first: JpegStrip | undefined;
  private stripIndex = 0;
  private outputFull = false;
  private failure: Error | undefined;
  private ended = false;
  private finished = false;
  private waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private readonly codec: Promise<StripCodec>;

  constructor(
    private readonly shape: StripShape,
    quality: number,
    private readonly stripLines = stripLinesFor(shape),
    private readonly pool: StripPool = stripPool,
  ) {
    this.lineBytes = shape.width * shape.channels;
    this.stripBytes = this.lineBytes * stripLines;
    this.codec = loadStripCodec({ width: shape.width, channels: shape.channels, stripLines, quality });
    this.codec.catch(() => undefined); // a failure reaches the first strip's encode
    this.output = new Readable({
      highWaterMark: OUTPUT_HIGH_WATER_BYTES,
      read: () => {
        this.outputFull = false;
        this.notify();
      },
      destroy: (error, callback) => {
        // The consumer gave up (or the transfer failed): nothing more is taken. A stream that
        // ended normally is destroyed too (autoDestroy), which is no failure.
        if (error || !this.finished) this.failure ??= error ?? new ScanError('Cancelled', 'the page stream was closed');
        this.notify();
        callback(error);
      },
    });
  }

  get accepting(): boolean {
    return this.failure !== undefined || (this.waiting.length === 0 && !this.outputFull);
  }

  write(bytes: Buffer): void {
    if (this.failure) throw this.failure;
    if (this.ended) throw new ScanError('Internal', 'strip JPEG: write after end');
    for (let at = 0; at < bytes.length; ) {
      this.current ??= this.pool.take(this.stripBytes);
      const n = bytes.copy(this.current, this.filled, at, Math.min(bytes.length, at + this.stripBytes - this.filled));
      this.filled += n;
      at += n;
      if (this.filled === this.stripBytes) this.queue(this.current, this.stripLines);
    }
  }

  ready(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.accepting) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  end(): void {
    if (this.ended || this.failure) return;
    this.ended = true;
    const lines = Math.floor(this.filled / this.lineBytes);
    if (this.current && lines > 0) this.queue(this.current, lines);
    else if (this.current) this.pool.give(this.current);
    this.current = undefined;
    this.finishIfDone();
  }

  destroy(error: Error): void {
    this.fail(error);
  }

  private queue(pixels: Buffer, lines: number): void {
    this.waiting.push({ pixels, lines });
    this.current = undefined;
    this.filled = 0;
    this.dispatch();
  }

  /** Starts encodes up to the in-flight bound; each strip joins the ordered assembly. */
  private dispatch(): void {
    while (this.inFlight < STRIPS_IN_FLIGHT && !this.failure) {
      const strip = this.waiting.shift();
      if (!strip) return;
      this.inFlight++;
      const job = this.codec.then((codec) => codec.encode(strip.pixels.subarray(0, strip.lines * this.lineBytes), strip.lines));
      job.catch(() => undefined); // awaited in order below; this only silences the early rejection
      this.assembly = this.assembly.then(async () => {
        const jpeg = await job;
        this.inFlight--;
        this.pool.give(strip.pixels);
        if (!this.failure) this.emit(parseJpegStrip(jpeg));
        this.dispatch();
        this.finishIfDone();
        this.notify();
      });
      this.assembly.catch((error: unknown) => this.fail(error as Error));
    }
  }

  /** Ends the file once the writer ended and every strip is out. */
  private finishIfDone(): void {
    if (!this.ended || this.finished || this.failure || this.waiting.length > 0 || this.inFlight > 0) return;
    this.finished = true;
    if (!this.first) return this.fail(new ScanError('Internal', 'strip JPEG: page without lines'));
    this.output.push(JPEG_EOI);
    this.output.push(null);
  }

  private emit(parts: JpegStrip): void {
    let more: boolean;
    if (!this.first) {
      this.first = parts;
      const head = assembledHead(parts, this.shape.height, restartInterval(parts, this.shape.width, this.stripLines));
      more = this.output.push(head) && this.output.push(parts.entropy);
    } else {
      if (!parts.tables.equals(this.first.tables)) throw new ScanError('Internal', 'strip JPEG: tables differ between strips');
      more = this.output.push(entropyWithRestartMarker(parts, ++this.stripIndex));
    }
    if (!more) this.outputFull = true;
  }

  private fail(error: Error): void {
    if (!this.failure) this.failure = error;
    if (!this.output.destroyed) this.output.destroy(this.failure);
    this.notify();
  }

  /** Wakes writers waiting in ready(): accepted again, or failed. */
  private notify(): void {
    if (!this.accepting && !this.failure) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (this.failure) w.reject(this.failure);
      else w.resolve();
    }
  }
}

/** Encodes a stream of owned raw chunks (a spool file, interleaved planes) into one JPEG. */
export function encodeJpegInStrips(raw: Readable, shape: StripShape, quality: number, stripLines?: number): Readable {
  const encoder = new JpegStripEncoder(shape, quality, stripLines);
  void feedFromReadable(raw, encoder);
  return encoder.output;
}
