/** Encoder for SANE network requests (PROTOCOLS.md C.1): pure, builds one Buffer per request. */
import { SANE_FIXED_SCALE } from './constants.js';

/** Converts a number to SANE_Fixed (16.16), rounding to the nearest step. */
export function toSaneFixed(value: number): number {
  return Math.round(value * SANE_FIXED_SCALE) | 0;
}

/** Converts a SANE_Fixed word back to a number. */
export function fromSaneFixed(word: number): number {
  return word / SANE_FIXED_SCALE;
}

/** Appends SANE wire values (big-endian words, strings, arrays) and returns the bytes. */
export class WireWriter {
  private readonly parts: Buffer[] = [];

  /** One signed or unsigned 32-bit word. */
  word(value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(value >>> 0, 0);
    this.parts.push(b);
    return this;
  }

  /** A string with its NUL; null is the NULL string (length 0). */
  string(value: string | null): this {
    if (value === null) return this.word(0);
    const bytes = Buffer.from(value, 'utf8');
    this.word(bytes.length + 1);
    this.parts.push(bytes, Buffer.alloc(1));
    return this;
  }

  /** An array of words, length first. */
  words(values: readonly number[]): this {
    this.word(values.length);
    for (const v of values) this.word(v);
    return this;
  }

  /** A byte array, length first. */
  bytes(value: Uint8Array): this {
    this.word(value.length);
    this.parts.push(Buffer.from(value));
    return this;
  }

  /** The encoded request. */
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}
