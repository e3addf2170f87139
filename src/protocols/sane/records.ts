/**
 * The image data connection's framing (PROTOCOLS.md C.3): records of a 4-byte
 * big-endian length and that many bytes; 0xFFFFFFFF then one status byte ends the
 * stream, and anything after the status byte is ignored (real saned sends 4 more).
 * Pure and push-based, so it can sit behind a socket or be fed from a test.
 */
import { protocolError } from '../../core/errors.js';
import { SANE_DATA_END_MARKER, SANE_LIMITS } from './constants.js';

/** Where the stream stopped when the connection closed. */
export type RecordStreamEnd = 'complete' | 'missing-status' | 'truncated';

/** Splits a data connection's bytes into image bytes and the final status. */
export class DataRecordDecoder {
  private header = Buffer.alloc(4);
  private headerFill = 0;
  private bodyLeft = 0;
  private phase: 'header' | 'body' | 'status' | 'done' = 'header';
  /** The status byte after the end marker, once read (5 EOF is a normal end). */
  status: number | undefined;

  constructor(private readonly maxRecordBytes: number = SANE_LIMITS.maxRecordBytes) {}

  /** True once the end marker and its status byte have been read. */
  get finished(): boolean {
    return this.phase === 'done';
  }

  /** Feeds bytes; returns the image bytes they carried (views into `chunk`, no copy). */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    while (at < chunk.length && this.phase !== 'done') {
      if (this.phase === 'header') at = this.fillHeader(chunk, at);
      else if (this.phase === 'body') {
        const take = Math.min(this.bodyLeft, chunk.length - at);
        out.push(chunk.subarray(at, at + take));
        at += take;
        this.bodyLeft -= take;
        if (this.bodyLeft === 0) this.phase = 'header';
      } else {
        this.status = chunk[at];
        at += 1;
        this.phase = 'done';
      }
    }
    return out;
  }

  /** How the stream ended, to be asked when the connection closes. */
  end(): RecordStreamEnd {
    if (this.phase === 'done') return 'complete';
    return this.phase === 'status' ? 'missing-status' : 'truncated';
  }

  private fillHeader(chunk: Buffer, at: number): number {
    const take = Math.min(4 - this.headerFill, chunk.length - at);
    chunk.copy(this.header, this.headerFill, at, at + take);
    this.headerFill += take;
    if (this.headerFill < 4) return at + take;
    this.headerFill = 0;
    const length = this.header.readUInt32BE(0);
    if (length === SANE_DATA_END_MARKER) this.phase = 'status';
    else if (length > this.maxRecordBytes) throw protocolError(`image data record of ${length} bytes exceeds the limit of ${this.maxRecordBytes}`);
    else if (length > 0) {
      this.bodyLeft = length;
      this.phase = 'body';
    }
    return at + take;
  }
}
