/**
 * One SANE scan job on an open device: apply settings, START per page (and per
 * frame for three-pass scanners), read the data port, encode, and always CANCEL.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { ScanError, protocolError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ScannedPage } from '../../core/scanner.js';
import type { ScanSettings } from '../../core/settings.js';
import { SANE_LIMITS, SaneFrame, SaneStatus } from './constants.js';
import type { SaneTimeouts } from './control-connection.js';
import { connectImageData, type ImageDataConnection } from './data-connection.js';
import type { OpenDevice } from './device-session.js';
import { settingsToWrites, type PreferredDepth } from './from-domain.js';
import type { SaneParameters, StartReply } from './messages.js';
import { createPageEncoder, encodeRawPage, mimeTypeOf, pageEncodingFor, type PageEncoding, type RawPageShape } from './page-encoder.js';
import { PageLineSink, SpoolFrameSink } from './page-lines.js';
import { interleavePlanes, PageSpool } from './page-spool.js';
import { outputLineBytes, outputSampleBytes, type FrameLayout } from './pixels.js';
import { errorForStatus, expectGood } from './sane-status.js';

/** What a scan job needs besides the open device. */
export interface ScanJobOptions {
  host: string;
  timeouts: SaneTimeouts;
  logger: Logger;
  label: string;
  preferDepth?: PreferredDepth;
  /** Quality of JPEG pages (and of PDF pages, which are JPEG). */
  jpegQuality: number;
}

/** One frame as it was read: its layout and where its lines went. */
interface SpooledFrame {
  layout: FrameLayout;
  path: string;
  lines: number;
}

/** Runs a job and yields its pages; see ScannerDriver.scan for the contract. */
export async function* runSaneScan(device: OpenDevice, settings: ScanSettings, signal: AbortSignal, options: ScanJobOptions): AsyncGenerator<ScannedPage> {
  const job = new SaneScanJob(device, settings, signal, options);
  const onAbort = () => void device.conn.cancel(device.handle).catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    yield* job.pages();
  } catch (err) {
    throw signal.aborted ? new ScanError('Cancelled', 'scan cancelled', { cause: err }) : err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    // CANCEL also after a normal end: it returns the backend to idle (PROTOCOLS.md C.3).
    if (!signal.aborted && !device.conn.isClosed) await device.conn.cancel(device.handle).catch(() => undefined);
    await job.spool.dispose();
  }
}

class SaneScanJob {
  readonly spool = new PageSpool();
  private readonly encoding: PageEncoding;

  constructor(private readonly device: OpenDevice, private readonly settings: ScanSettings, private readonly signal: AbortSignal, private readonly options: ScanJobOptions) {
    this.encoding = pageEncodingFor(settings.format, settings.color_mode);
  }

  async *pages(): AsyncGenerator<ScannedPage> {
    for (const write of settingsToWrites(this.device.descriptors, this.settings, this.options.preferDepth)) {
      this.checkAborted();
      await this.device.write(write);
    }
    const feeder = this.settings.source !== 'platen';
    for (let index = 1; ; index++) {
      this.checkAborted();
      const before = await this.device.conn.getParameters(this.device.handle);
      const start = await this.device.conn.start(this.device.handle);
      if (start.status === SaneStatus.NoDocs && index > 1) return;
      expectGood(start.status, `SANE_NET_START page ${index}`);
      const data = await this.connectData(start.port);
      const { page, done } = await this.readPage(index, start, data, before).catch((err: unknown) => {
        data.close();
        throw err;
      });
      yield page;
      await done;
      if (!feeder) return;
    }
  }

  private checkAborted(): void {
    if (this.signal.aborted) throw new ScanError('Cancelled', 'scan cancelled');
  }

  private layoutOf(params: SaneParameters, start: StartReply): FrameLayout {
    return { format: params.format, depth: params.depth, pixelsPerLine: params.pixelsPerLine, bytesPerLine: params.bytesPerLine, byteOrder: start.byteOrder };
  }

  private pageOf(index: number, data: Readable, shape: RawPageShape, bytesReceived?: () => number): ScannedPage {
    // The page stream may fail when no one is reading it: before the consumer attaches, or after it
    // has read every byte and the status after the end marker says JAMMED. Without a listener that
    // 'error' would be an uncaught exception and end the daemon; the job still fails through `done`.
    data.on('error', (error: unknown) => this.options.logger.debug({ err: error, page: index }, 'SANE page stream failed'));
    return { index, declaredType: mimeTypeOf(this.encoding), data, widthPx: shape.width, heightPx: shape.height, resolution: this.settings.resolution, ...(bytesReceived ? { bytesReceived } : {}) };
  }

  private connectData(port: number): Promise<ImageDataConnection> {
    const { host, timeouts, label } = this.options;
    return connectImageData({ host, port, timeouts, signal: this.signal, device: label });
  }

  private async readPage(index: number, start: StartReply, data: ImageDataConnection, before: SaneParameters): Promise<{ page: ScannedPage; done: Promise<void> }> {
    const params = frameParameters(before, await this.device.conn.getParameters(this.device.handle));
    if (params.lines > SANE_LIMITS.maxImagePixels) throw protocolError(`page of ${params.lines} lines exceeds the limit`);
    const single = params.format === SaneFrame.Gray || params.format === SaneFrame.Rgb;
    if (single && params.lines >= 0) return this.streamPage(index, start, params, data);
    const frames = await this.spoolFrames(start, params, data);
    return { page: this.spooledPage(index, frames), done: Promise.resolve() };
  }

  /** Known height, one frame: pixels flow from the data port into the encoder. */
  private streamPage(index: number, start: StartReply, params: SaneParameters, source: ImageDataConnection): { page: ScannedPage; done: Promise<void> } {
    const layout = this.layoutOf(params, start);
    const shape = shapeOf(layout, params.lines);
    const encoder = createPageEncoder(shape, this.encoding, this.options.jpegQuality);
    // The encoder may hold bytes back (and compresses them): the page deadline counts what the device sent.
    const lines = new PageLineSink(encoder, layout, params.lines);
    const started = Date.now();
    const transfer = source.readInto(lines);
    // A stage timestamp for profiles: the device's part of the page ends here, the encoder's goes on.
    transfer.then(() => this.options.logger.debug({ page: index, bytes: lines.receivedBytes, ms: Date.now() - started }, 'SANE page data received'), () => undefined);
    const done = transfer
      .then(async () => {
        // A backend that delivers fewer lines than announced gets white lines, so the encoder still sees its full size.
        const sent = await lines.finish();
        if (sent < params.lines) this.options.logger.warn({ announced: params.lines, received: sent }, 'page shorter than announced; padded');
      })
      .catch((err: unknown) => {
        const error = this.signal.aborted ? new ScanError('Cancelled', 'scan cancelled', { cause: err }) : (err as Error);
        encoder.destroy(error);
        throw error;
      });
    done.catch(() => undefined);
    return { page: this.pageOf(index, encoder.output, shape, () => lines.receivedBytes), done };
  }

  /** Unknown height or three-pass: every frame goes to a spool file first. */
  private async spoolFrames(start: StartReply, params: SaneParameters, data: ImageDataConnection): Promise<SpooledFrame[]> {
    const frames: SpooledFrame[] = [];
    for (let frame = 0; ; frame++) {
      frames.push(await this.spoolFrame(start, params, data));
      if (params.lastFrame || frame >= 2) return frames;
      const before = await this.device.conn.getParameters(this.device.handle);
      start = await this.device.conn.start(this.device.handle);
      expectGood(start.status, 'SANE_NET_START next frame');
      data = await this.connectData(start.port);
      const after = await this.device.conn.getParameters(this.device.handle).catch((err: unknown) => {
        data.close();
        throw err;
      });
      params = frameParameters(before, after);
    }
  }

  private async spoolFrame(start: StartReply, params: SaneParameters, data: ImageDataConnection): Promise<SpooledFrame> {
    const layout = this.layoutOf(params, start);
    try {
      const { path, file } = await this.spool.create();
      try {
        const sink = new SpoolFrameSink(layout, file);
        await data.readInto(sink);
        await sink.close();
        const lines = params.lines >= 0 ? Math.min(params.lines, sink.lines) : sink.lines;
        return { layout, path, lines };
      } finally {
        file.destroy();
      }
    } finally {
      data.close();
    }
  }

  private spooledPage(index: number, frames: SpooledFrame[]): ScannedPage {
    const first = frames[0];
    if (!first) throw new ScanError('ProtocolError', 'no frame received');
    if (frames.length === 1) {
      const shape = shapeOf(first.layout, first.lines);
      const end = Math.max(0, first.lines * outputLineBytes(first.layout) - 1);
      const raw = first.lines > 0 ? createReadStream(first.path, { start: 0, end }) : Readable.from([]);
      return this.pageOf(index, encodeRawPage(raw, shape, this.encoding, this.options.jpegQuality), shape);
    }
    const planes = orderPlanes(frames);
    const lines = Math.min(...frames.map((f) => f.lines));
    const layout = { ...first.layout, format: SaneFrame.Rgb };
    const raw = Readable.from(interleavePlanes(planes, outputLineBytes(first.layout), lines, outputSampleBytes(first.layout.depth)));
    const shape = shapeOf(layout, lines);
    return this.pageOf(index, encodeRawPage(raw, shape, this.encoding, this.options.jpegQuality), shape);
  }
}

/**
 * The parameters of the frame START began. After START, saned reads the backend while
 * it answers GET_PARAMETERS, so for a small three-pass frame the reply may already
 * describe the next frame (seen with the test backend: red, green, red). The frame's
 * colour and last-frame flag therefore come from the call before START, the geometry
 * from the call after it (SANE 4.3.8: only then are sizes exact).
 */
function frameParameters(before: SaneParameters, after: SaneParameters): SaneParameters {
  const separate = before.format === SaneFrame.Red || before.format === SaneFrame.Green || before.format === SaneFrame.Blue;
  return separate ? { ...after, format: before.format, lastFrame: before.lastFrame } : after;
}

function shapeOf(layout: FrameLayout, lines: number): RawPageShape {
  return { width: layout.pixelsPerLine, height: lines, channels: layout.format === SaneFrame.Rgb ? 3 : 1, sampleBytes: layout.depth === 16 ? 2 : 1 };
}

/** Three-pass frames come in the backend's order (RGB, GBR, ...); sort them into red, green, blue. */
function orderPlanes(frames: SpooledFrame[]): [string, string, string] {
  const find = (format: SaneFrame) => {
    const frame = frames.find((f) => f.layout.format === format);
    if (!frame) throw errorForStatus(SaneStatus.IoError, `three-pass scan without a ${SaneFrame[format]} frame`);
    return frame.path;
  };
  return [find(SaneFrame.Red), find(SaneFrame.Green), find(SaneFrame.Blue)];
}
