/** Pull-style reading of a byte stream by delimiters, for the MTOM parser. Holds only bounded buffers. */
import { protocolError } from '../../core/errors.js';

/** Reads an async byte stream piece by piece; what was read past a delimiter stays buffered. */
export class ByteReader {
  private buf: Buffer;
  private readonly it: AsyncIterator<unknown>;
  private ended = false;

  constructor(source: AsyncIterable<unknown>, initial: Buffer = Buffer.alloc(0)) {
    this.it = source[Symbol.asyncIterator]();
    this.buf = initial;
  }

  /** Bytes buffered and not yet consumed. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Reads one more chunk into the buffer; false at the end of the stream. */
  async more(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.it.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const value = next.value;
    const chunk = Buffer.isBuffer(value) ? value : typeof value === 'string' ? Buffer.from(value) : Buffer.from(value as Uint8Array);
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return true;
  }

  /** Ensures at least `n` bytes are buffered; false when the stream ends first. */
  async fill(n: number): Promise<boolean> {
    while (this.buf.length < n) if (!(await this.more())) return false;
    return true;
  }

  /** The next `n` buffered bytes (fewer at the end of the stream), not consumed. */
  async peek(n: number): Promise<Buffer> {
    await this.fill(n);
    return this.buf.subarray(0, n);
  }

  /** Drops `n` bytes. */
  skip(n: number): void {
    this.buf = this.buf.subarray(n);
  }

  /** Returns the bytes before `delim` (which is consumed); at most `max` bytes, else a ProtocolError. */
  async readUntil(delim: Buffer, max: number, what: string): Promise<Buffer> {
    // Settled bytes go to `parts`, so the searched buffer stays small and no chunk is copied twice.
    const parts: Buffer[] = [];
    let size = 0;
    for (;;) {
      const at = this.buf.indexOf(delim);
      if (at >= 0) {
        if (size + at > max) throw protocolError(`${what} longer than ${max} bytes`);
        parts.push(Buffer.from(this.buf.subarray(0, at)));
        this.buf = this.buf.subarray(at + delim.length);
        return Buffer.concat(parts);
      }
      const safe = this.buf.length - (delim.length - 1);
      if (safe > 0) {
        parts.push(Buffer.from(this.buf.subarray(0, safe)));
        size += safe;
        this.buf = this.buf.subarray(safe);
      }
      if (size > max) throw protocolError(`${what} longer than ${max} bytes`);
      if (!(await this.more())) throw protocolError(`${what}: the stream ended before ${JSON.stringify(delim.toString('latin1'))}`);
    }
  }

  /**
   * Hands every byte before `delim` to `sink` as it arrives (keeping only a delimiter's length
   * back), then consumes the delimiter. The stream ending first is a ProtocolError.
   */
  async streamUntil(delim: Buffer, sink: (chunk: Buffer) => Promise<void> | void, what: string): Promise<number> {
    let total = 0;
    for (;;) {
      const at = this.buf.indexOf(delim);
      if (at >= 0) {
        if (at > 0) await sink(Buffer.from(this.buf.subarray(0, at)));
        this.buf = this.buf.subarray(at + delim.length);
        return total + at;
      }
      const safe = this.buf.length - (delim.length - 1);
      if (safe > 0) {
        // Copied: the sink may keep the chunk after the buffer moves on.
        const chunk = Buffer.from(this.buf.subarray(0, safe));
        this.buf = this.buf.subarray(safe);
        total += chunk.length;
        await sink(chunk);
      }
      if (!(await this.more())) throw protocolError(`${what}: the stream ended inside a part (no closing boundary)`);
    }
  }

  /** Ends reading; the source's iterator is told to clean up. */
  async close(): Promise<void> {
    this.ended = true;
    await this.it.return?.();
  }
}
