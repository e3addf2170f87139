/**
 * Reads a trace file back into records, so a user's trace can be cut into test fixtures
 * byte for byte. Pure; a malformed file gives a ProtocolError naming the line.
 */
import { protocolError } from '../core/errors.js';
import { RECORD_MARK } from './trace-format.js';

/** One record read back from a trace file. */
export interface TracedExchange {
  time: string;
  direction: 'send' | 'receive';
  protocol: string;
  device: string;
  label: string;
  headers: [name: string, value: string][];
  /** A text body, byte for byte as it was on the wire. */
  body?: Buffer;
  /** For a binary body: the summary line (length and first bytes). */
  binarySummary?: string;
}

const TEXT_BODY = /^body: text, (\d{1,12}) bytes$/;

class TraceCursor {
  pos = 0;
  line = 0;
  constructor(readonly data: Buffer) {}

  get done(): boolean {
    return this.pos >= this.data.length;
  }

  /** The next line without its newline; a missing final newline is an error (a cut-off file). */
  nextLine(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) throw protocolError(`trace line ${this.line + 1}: cut off (no newline)`);
    const text = this.data.subarray(this.pos, end).toString('utf8');
    this.pos = end + 1;
    this.line++;
    return text;
  }

  peekLine(): string | undefined {
    const end = this.data.indexOf(0x0a, this.pos);
    return end < 0 ? undefined : this.data.subarray(this.pos, end).toString('utf8');
  }

  /** Takes `length` bytes verbatim (no copy) and counts the lines they span. */
  take(length: number): Buffer {
    if (length > this.data.length - this.pos) throw protocolError(`trace line ${this.line + 1}: body runs past the end of the file`);
    const bytes = this.data.subarray(this.pos, this.pos + length);
    this.pos += length;
    this.line += bytes.reduce((count, byte) => count + (byte === 0x0a ? 1 : 0), 0);
    return bytes;
  }
}

function readRecord(cursor: TraceCursor, first: string): TracedExchange | undefined {
  const fields = first.slice(RECORD_MARK.length).split(' ');
  const [time, direction, protocol, device] = fields;
  if (direction === 'trace') return undefined; // the cap note
  if ((direction !== 'send' && direction !== 'receive') || protocol === undefined || device === undefined || time === undefined) {
    throw protocolError(`trace line ${cursor.line}: not a record line`);
  }
  const record: TracedExchange = { time, direction, protocol, device, label: fields.slice(4).join(' '), headers: [] };
  let line = cursor.nextLine();
  while (line.startsWith('  ')) {
    const colon = line.indexOf(': ');
    if (colon < 0) throw protocolError(`trace line ${cursor.line}: header without ": "`);
    record.headers.push([line.slice(2, colon), line.slice(colon + 2)]);
    line = cursor.nextLine();
  }
  const text = TEXT_BODY.exec(line);
  if (text) record.body = cursor.take(Number(text[1]));
  else if (line.startsWith('body: binary, ')) record.binarySummary = line.slice('body: '.length);
  else if (line !== 'body: none') throw protocolError(`trace line ${cursor.line}: expected a body line`);
  // A text body is followed by "\n\n", the others by one blank line.
  if (record.body !== undefined) cursor.nextLine();
  if (cursor.nextLine() !== '') throw protocolError(`trace line ${cursor.line}: expected a blank line after the record`);
  return record;
}

/** Every record of a trace file, in order. */
export function readTraceFile(data: Buffer): TracedExchange[] {
  const cursor = new TraceCursor(data);
  const records: TracedExchange[] = [];
  while (!cursor.done) {
    const first = cursor.nextLine();
    if (!first.startsWith(RECORD_MARK)) throw protocolError(`trace line ${cursor.line}: expected "${RECORD_MARK.trim()}"`);
    const record = readRecord(cursor, first);
    if (record === undefined) break;
    records.push(record);
    if (cursor.peekLine() === undefined && !cursor.done) throw protocolError(`trace line ${cursor.line + 1}: cut off`);
  }
  return records;
}
