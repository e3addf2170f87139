/**
 * The image data connection (PROTOCOLS.md C.3): the one file that reads a data port.
 * The socket reads into one reused buffer (Node's `onread`), the record framing is taken
 * off in place, and the image bytes go straight to a sink, which copies them where they
 * belong (a strip buffer). So the bytes of a page allocate nothing on their way: with a
 * new buffer per socket read, a 600 dpi page meant 1,600 buffers and several full garbage
 * collections of the daemon's heap, on the CPU the scanner's daemon needs too.
 *
 * Reading never waits longer than the sink does: Debian's saned spins on a full socket
 * (its loop selects on a backend that is always readable while it may not read), so a
 * data port left unread costs the machine a core.
 */
import type { Socket } from 'node:net';
import { ScanError, protocolError } from '../../core/errors.js';
import type { ImageByteSink } from './byte-sink.js';
import { SaneStatus } from './constants.js';
import { connectSocket, type SaneTimeouts } from './control-connection.js';
import { DataRecordDecoder } from './records.js';
import { errorForStatus } from './sane-status.js';
import { toOffline } from './socket-source.js';

/** Bytes per socket read at most: many of saned's 8 KiB records per wake-up of the event loop. */
export const DATA_READ_BUFFER_BYTES = 1024 * 1024;

/** What a data connection needs. */
export interface DataConnectionOptions {
  host: string;
  port: number;
  timeouts: SaneTimeouts;
  signal: AbortSignal;
  device: string;
}

/** An accepted data connection: `readInto()` once, or `close()` it unread. */
export interface ImageDataConnection {
  /**
   * Hands the image bytes (up to the end marker) to `sink` and settles when the transfer ended:
   * rejects with a ScanError for a status other than EOF after the marker, a connection that
   * closes early, silence longer than `dataIdleMs`, a cancel, or an error thrown by the sink.
   */
  readInto(sink: ImageByteSink): Promise<void>;
  close(): void;
}

/**
 * Connects to a data port right after START: saned answers nothing else on the control
 * connection until its data port was accepted. Nothing is read before `readInto()`.
 */
export async function connectImageData(options: DataConnectionOptions): Promise<ImageDataConnection> {
  const describe = `${options.device} data port ${options.port}`;
  if (options.signal.aborted) throw new ScanError('Cancelled', 'scan cancelled');
  const buffer = Buffer.allocUnsafe(DATA_READ_BUFFER_BYTES);
  const reader = { onRead: (_bytes: number): boolean => false };
  const socket = await connectSocket(options.host, options.port, options.timeouts.connectMs, describe, {
    onread: { buffer, callback: (bytes: number) => reader.onRead(bytes) },
  });
  return {
    readInto: (sink) => readImageData(socket, buffer, reader, sink, options, describe),
    close: () => socket.destroy(),
  };
}

function readImageData(socket: Socket, buffer: Buffer, reader: { onRead: (bytes: number) => boolean }, sink: ImageByteSink, options: DataConnectionOptions, describe: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const decoder = new DataRecordDecoder();
    let settled = false;
    const onAbort = () => socket.destroy(new ScanError('Cancelled', 'scan cancelled'));
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.destroy();
      if (error === undefined) resolve();
      else reject(error instanceof ScanError ? error : toOffline(error, describe));
    };
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(endError(decoder, describe) ?? undefined);
    reader.onRead = (bytes) => {
      if (settled) return false;
      try {
        for (const data of decoder.push(buffer.subarray(0, bytes))) sink.write(data);
      } catch (error) {
        settle(error);
        return false;
      }
      // Bytes after the status byte are ignored: real saned sends a few more.
      if (decoder.finished) {
        settle(endError(decoder, describe));
        return false;
      }
      if (sink.accepting) return true;
      sink.ready().then(
        () => !settled && socket.resume(),
        (error: unknown) => settle(error),
      );
      return false;
    };
    if (options.signal.aborted) return settle(new ScanError('Cancelled', 'scan cancelled'));
    options.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.setTimeout(options.timeouts.dataIdleMs, () =>
      socket.destroy(new ScanError('Timeout', `${describe}: no image data for ${options.timeouts.dataIdleMs} ms`)),
    );
    socket.resume();
  });
}

/** The error a stream that stopped here means, or undefined for a good end. */
function endError(decoder: DataRecordDecoder, describe: string): ScanError | undefined {
  const end = decoder.end();
  if (end === 'missing-status') return protocolError(`${describe}: stream ended after the end marker without a status byte`);
  if (end === 'truncated') return new ScanError('DeviceOffline', `${describe}: connection closed before the end of the image`);
  const status = decoder.status ?? SaneStatus.IoError;
  if (status !== SaneStatus.Eof && status !== SaneStatus.Good) return errorForStatus(status, 'image transfer');
  return undefined;
}
