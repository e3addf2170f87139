/** A ByteSource over a TCP socket: buffers what arrives and hands out exact byte counts. */
import type { Socket } from 'node:net';
import { ScanError } from '../../core/errors.js';
import type { ByteSource } from './wire-reader.js';

/** Bytes buffered ahead of the decoder before the socket is paused. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

interface PendingRead {
  n: number;
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
}

/** Queues socket data; a read waits until enough bytes arrived or the socket fails. */
export class SocketSource implements ByteSource {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pending: PendingRead | undefined;
  private failure: Error | undefined;
  /** Bytes handed out since the last `takeTranscript()`, kept only while tracing. */
  private transcript: Buffer[] | undefined;
  /** Bytes of the current reply already handed out: a close after some of them is a truncated reply. */
  private replyBytes = 0;

  constructor(private readonly socket: Socket, describe: string, trace: boolean) {
    if (trace) this.transcript = [];
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      // A server that floods faster than replies are decoded must not grow memory without bound.
      if (this.buffered > MAX_BUFFERED_BYTES) socket.pause();
      this.serve();
    });
    socket.on('error', (err) => this.fail(toOffline(err, describe)));
    socket.on('close', () =>
      this.fail(
        this.buffered > 0 || this.replyBytes > 0
          ? new ScanError('ProtocolError', `${describe}: reply truncated, connection closed after ${this.replyBytes + this.buffered} bytes`)
          : new ScanError('DeviceOffline', `${describe}: connection closed by the server`),
      ),
    );
  }

  read(n: number): Promise<Buffer> {
    if (this.pending) return Promise.reject(new ScanError('Internal', 'concurrent reads on one SANE connection'));
    return new Promise((resolve, reject) => {
      this.pending = { n, resolve, reject };
      this.serve();
    });
  }

  /** Marks the start of a new reply. */
  beginReply(): void {
    this.replyBytes = 0;
  }

  /** Marks the source failed (timeout, abort); the pending read rejects with `err`. */
  fail(err: Error): void {
    this.failure ??= err;
    this.serve();
  }

  /** The reply bytes read since the last call (for the protocol tracer). */
  takeTranscript(): Buffer | undefined {
    if (!this.transcript) return undefined;
    const out = Buffer.concat(this.transcript);
    this.transcript = [];
    return out;
  }

  private serve(): void {
    const p = this.pending;
    if (!p) return;
    if (this.buffered >= p.n) {
      this.pending = undefined;
      const out = this.take(p.n);
      this.replyBytes += p.n;
      this.resumeIfDrained();
      this.transcript?.push(out);
      p.resolve(out);
    } else if (this.failure) {
      this.pending = undefined;
      p.reject(this.failure);
    }
  }

  private take(n: number): Buffer {
    const head = this.chunks[0];
    if (head && head.length >= n) {
      const out = head.subarray(0, n);
      if (head.length === n) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
      this.buffered -= n;
      return out;
    }
    const all = Buffer.concat(this.chunks);
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }

  private resumeIfDrained(): void {
    if (this.buffered <= MAX_BUFFERED_BYTES && this.socket.isPaused()) this.socket.resume();
  }
}

/** Socket errors mean the host or saned went away, unless they are already typed. */
export function toOffline(err: unknown, describe: string): ScanError {
  if (err instanceof ScanError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new ScanError('DeviceOffline', `${describe}: ${msg}`, { cause: err });
}
