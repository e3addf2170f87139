/**
 * The two places a data port's bytes go, as sinks: a page of known height streams into its
 * encoder (normalised, cut at the announced height, a short page completed in white), and a
 * frame of unknown height or one pass of a three-pass scan is normalised into a spool file.
 */
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { protocolError } from '../../core/errors.js';
import { WritableFeed, type ImageByteSink, type PageEncoder } from './byte-sink.js';
import { SANE_LIMITS } from './constants.js';
import { isNormalisedAlready, LineNormaliser, outputLineBytes, type FrameLayout } from './pixels.js';

/** One page of announced height on its way into the encoder. */
export class PageLineSink implements ImageByteSink {
  /** Image bytes the device sent (before normalisation), for the page's progress and deadline. */
  receivedBytes = 0;
  private readonly lineBytes: number;
  private readonly normaliser: LineNormaliser | undefined;
  private writtenBytes = 0;

  constructor(
    private readonly encoder: PageEncoder,
    layout: FrameLayout,
    private readonly lines: number,
  ) {
    const normaliser = new LineNormaliser(layout); // checks the layout, also where no line needs work
    this.normaliser = isNormalisedAlready(layout) ? undefined : normaliser;
    this.lineBytes = outputLineBytes(layout);
  }

  get accepting(): boolean {
    return this.encoder.accepting;
  }

  ready(): Promise<void> {
    return this.encoder.ready();
  }

  write(bytes: Buffer): void {
    this.receivedBytes += bytes.length;
    const room = this.lines * this.lineBytes - this.writtenBytes;
    if (room <= 0) return; // beyond the announced height: dropped, as the encoder's size is fixed
    if (!this.normaliser) {
      const part = bytes.length <= room ? bytes : bytes.subarray(0, room);
      this.encoder.write(part);
      this.writtenBytes += part.length;
      return;
    }
    for (const line of this.normaliser.push(bytes)) {
      if (this.writtenBytes >= this.lines * this.lineBytes) break;
      this.encoder.write(line);
      this.writtenBytes += line.length;
    }
  }

  /** Completes a short page in white (a cut-off last line too), ends the encoder, and returns the lines the device sent. */
  async finish(): Promise<number> {
    const sent = Math.ceil(this.writtenBytes / this.lineBytes);
    const white = Buffer.alloc(this.lineBytes, 0xff);
    const partial = this.writtenBytes % this.lineBytes;
    if (partial > 0) this.writeWhite(white.subarray(partial));
    for (let line = sent; line < this.lines; line++) {
      this.writeWhite(white);
      if (!this.encoder.accepting) await this.encoder.ready();
    }
    this.encoder.end();
    return sent;
  }

  private writeWhite(bytes: Buffer): void {
    this.encoder.write(bytes);
    this.writtenBytes += bytes.length;
  }
}

/** One frame normalised into a spool file, bounded in lines since its height is unknown. */
export class SpoolFrameSink implements ImageByteSink {
  private readonly normaliser: LineNormaliser;
  private readonly feed: WritableFeed;

  constructor(
    layout: FrameLayout,
    private readonly file: Writable,
  ) {
    this.normaliser = new LineNormaliser(layout);
    this.feed = new WritableFeed(file);
  }

  /** Whole lines received so far. */
  get lines(): number {
    return this.normaliser.lines;
  }

  get accepting(): boolean {
    return this.feed.accepting;
  }

  ready(): Promise<void> {
    return this.feed.ready();
  }

  write(bytes: Buffer): void {
    for (const line of this.normaliser.push(bytes)) this.feed.write(line);
    // Unknown height is no licence for an endless spool file.
    if (this.normaliser.lines > SANE_LIMITS.maxImagePixels) throw protocolError(`frame longer than ${SANE_LIMITS.maxImagePixels} lines`);
  }

  /** Writes what is left and waits until the file is closed. */
  async close(): Promise<void> {
    this.feed.end();
    await finished(this.file);
  }
}
