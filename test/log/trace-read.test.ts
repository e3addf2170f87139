import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../src/core/errors.js';
import { formatTraceRecord } from '../../src/log/trace-format.js';
import { readTraceFile } from '../../src/log/trace-read.js';
import { FIXTURES as SHARED_FIXTURES } from '../helpers/fixtures.js';

const STATUS = readFileSync(`${SHARED_FIXTURES}/escl/airsane/airsane-ScannerStatus-idle.xml`);
const TIME = new Date('2026-01-02T03:04:05.000Z');

function expectProtocolError(data: Buffer, text: RegExp): void {
  try {
    readTraceFile(data);
  } catch (error) {
    expect(error).toBeInstanceOf(ScanError);
    expect((error as ScanError).code).toBe('ProtocolError');
    expect((error as Error).message).toMatch(text);
    return;
  }
  throw new Error('expected a ProtocolError');
}

describe('readTraceFile', () => {
  it('reads back a fixture body byte for byte, even one without a final newline', () => {
    const noNewline = STATUS.subarray(0, STATUS.lastIndexOf('>') + 1);
    const text = formatTraceRecord({ protocol: 'escl', device: 'd', direction: 'receive', label: '200 OK', body: noNewline }, TIME);
    const [record] = readTraceFile(Buffer.from(text));
    expect(record?.body?.equals(noNewline)).toBe(true);
  });

  it('round-trips any text body and label', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ maxLength: 40 }), (body, label) => {
        const text = formatTraceRecord({ protocol: 'escl', device: 'd', direction: 'send', label, body }, TIME);
        const records = readTraceFile(Buffer.from(text));
        expect(records).toHaveLength(1);
        expect(records[0]?.body?.toString('utf8')).toBe(body);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects malformed files with a ProtocolError naming the line', () => {
    expectProtocolError(Buffer.from('hello\n'), /line 1/);
    expectProtocolError(Buffer.from('===== t send escl d GET /\nbody: text, 999999999 bytes\nabc\n\n'), /past the end/);
    expectProtocolError(Buffer.from('===== t sideways escl d GET /\nbody: none\n\n'), /not a record line/);
    expectProtocolError(Buffer.from('===== t send escl d GET /\n  no-colon\nbody: none\n\n'), /header/);
    expectProtocolError(Buffer.from('===== t send escl d GET /\nbody: maybe\n\n'), /body line/);
    expectProtocolError(Buffer.from('===== t send escl d GET /\nbody: none'), /cut off/);
  });

  it('never throws anything but a ProtocolError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, withMark) => {
        const data = Buffer.concat([Buffer.from(withMark ? '===== t send escl d GET /\n' : ''), Buffer.from(bytes)]);
        try {
          readTraceFile(data);
        } catch (error) {
          expect(error).toBeInstanceOf(ScanError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
