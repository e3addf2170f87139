/**
 * The image data connection (PROTOCOLS.md C.3): the one file that reads a data
 * port. Yields image bytes as records arrive and reports the final status.
 */
import type { Socket } from 'node:net';
import { ScanError, protocolError } from '../../core/errors.js';
import { SaneStatus } from './constants.js';
import { connectSocket, type SaneTimeouts } from './control-connection.js';
import { DataRecordDecoder } from './records.js';
import { errorForStatus } from './sane-status.js';
import { socketChunks } from './socket-chunks.js';
import { toOffline } from './socket-source.js';

/** What a data connection needs. */
export interface DataConnectionOptions {
  host: string;
  port: number;
  timeouts: SaneTimeouts;
  signal: AbortSignal;
  device: string;
}

/** An accepted data connection: iterate `chunks()` once, or `close()` it unread. */
export interface ImageDataConnection {
  chunks(): AsyncGenerator<Buffer, void, undefined>;
  close(): void;
}

/**
 * Connects to a data port right after START: saned answers nothing else on the
 * control connection until its data port was accepted. The chunks are image bytes up
 * to the end marker; a status other than EOF after the marker, a connection that
 * closes early, or silence longer than `dataIdleMs` ends the iteration with a ScanError.
 */
export async function connectImageData(options: DataConnectionOptions): Promise<ImageDataConnection> {
  const describe = `${options.device} data port ${options.port}`;
  if (options.signal.aborted) throw new ScanError('Cancelled', 'scan cancelled');
  const socket = await connectSocket(options.host, options.port, options.timeouts.connectMs, describe);
  return { chunks: () => readImageData(socket, options, describe), close: () => socket.destroy() };
}

async function* readImageData(socket: Socket, options: DataConnectionOptions, describe: string): AsyncGenerator<Buffer, void, undefined> {
  if (options.signal.aborted) socket.destroy(new ScanError('Cancelled', 'scan cancelled'));
  const onAbort = () => socket.destroy(new ScanError('Cancelled', 'scan cancelled'));
  options.signal.addEventListener('abort', onAbort, { once: true });
  socket.setTimeout(options.timeouts.dataIdleMs, () =>
    socket.destroy(new ScanError('Timeout', `${describe}: no image data for ${options.timeouts.dataIdleMs} ms`)),
  );
  const decoder = new DataRecordDecoder();
  try {
    yield* decodeSocket(socket, decoder, describe);
    finish(decoder, describe);
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    socket.destroy();
  }
}

async function* decodeSocket(socket: Socket, decoder: DataRecordDecoder, describe: string): AsyncGenerator<Buffer, void, undefined> {
  try {
    for await (const chunk of socketChunks(socket)) {
      for (const data of decoder.push(chunk)) yield data;
      // Bytes after the status byte are ignored: real saned sends a few more.
      if (decoder.finished) return;
    }
  } catch (err) {
    throw toOffline(err, describe);
  }
}

function finish(decoder: DataRecordDecoder, describe: string): void {
  const end = decoder.end();
  if (end === 'missing-status') throw protocolError(`${describe}: stream ended after the end marker without a status byte`);
  if (end === 'truncated') throw new ScanError('DeviceOffline', `${describe}: connection closed before the end of the image`);
  const status = decoder.status ?? SaneStatus.IoError;
  if (status !== SaneStatus.Eof && status !== SaneStatus.Good) throw errorForStatus(status, 'image transfer');
}
