/**
 * Incremental decoder for SANE wire values over any byte source. Every length read
 * from the wire is checked against SANE_LIMITS before a byte is allocated, so a
 * hostile or broken server gets a ScanError('ProtocolError'), never an out-of-memory.
 */
import { protocolError } from '../../core/errors.js';
import { SANE_LIMITS } from './constants.js';

/** Something that hands out exactly `n` bytes, or rejects (truncated, closed, timed out). */
export interface ByteSource {
  read(n: number): Promise<Buffer>;
}

/** A ByteSource over bytes already in memory; running past the end is a truncated reply. */
export class BufferSource implements ByteSource {
  private offset = 0;

  constructor(private readonly data: Uint8Array) {}

  /** Bytes not yet read. */
  get remaining(): number {
    return this.data.length - this.offset;
  }

  async read(n: number): Promise<Buffer> {
    if (n > this.remaining) throw protocolError(`truncated reply: wanted ${n} bytes, ${this.remaining} left`);
    const out = Buffer.from(this.data.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }
}

/** Reads SANE wire values (PROTOCOLS.md C.1) from a ByteSource. */
export class WireReader {
  constructor(private readonly source: ByteSource) {}

  /** One signed 32-bit big-endian word. */
  async word(): Promise<number> {
    return (await this.source.read(4)).readInt32BE(0);
  }

  /** One unsigned 32-bit word. */
  async uword(): Promise<number> {
    return (await this.source.read(4)).readUInt32BE(0);
  }

  /** Raw bytes. */
  async raw(n: number): Promise<Buffer> {
    return this.source.read(n);
  }

  /** A length word checked against a bound before anything is allocated. */
  async length(what: string, max: number): Promise<number> {
    const n = await this.uword();
    if (n > max) throw protocolError(`${what} length ${n} exceeds the limit of ${max}`);
    return n;
  }

  /** A string; length 0 is NULL. The trailing NUL is dropped (and anything after an inner NUL). */
  async string(): Promise<string | null> {
    const n = await this.length('string', SANE_LIMITS.maxStringBytes);
    if (n === 0) return null;
    const bytes = await this.source.read(n);
    const nul = bytes.indexOf(0);
    return bytes.toString('utf8', 0, nul === -1 ? n : nul);
  }

  /** A pointer word: true when a value follows (0), false for NULL (1). */
  async pointer(): Promise<boolean> {
    const flag = await this.uword();
    if (flag !== 0 && flag !== 1) throw protocolError(`pointer flag ${flag} is neither 0 nor 1`);
    return flag === 0;
  }

  /** An array of words. */
  async words(max: number = SANE_LIMITS.maxArrayLength): Promise<number[]> {
    const n = await this.length('array', max);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(await this.word());
    return out;
  }

  /** A byte array. */
  async bytes(max: number): Promise<Buffer> {
    const n = await this.length('byte array', max);
    return this.source.read(n);
  }
}
