/** Data-connection framing and pixel normalisation (pure). */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../../src/core/errors.js';
import { SANE_BYTE_ORDER_BIG, SANE_BYTE_ORDER_LITTLE, SaneFrame } from '../../../src/protocols/sane/constants.js';
import { LineNormaliser, interleaveRgb, unpackLineArt } from '../../../src/protocols/sane/pixels.js';
import { DataRecordDecoder } from '../../../src/protocols/sane/records.js';
import { dataStream } from '../../sim/saned/fake-saned.js';
import { FIXTURES as SHARED_FIXTURES } from '../../helpers/fixtures.js';

const session = JSON.parse(readFileSync(`${SHARED_FIXTURES}/sane/saned-test-backend-session.json`, 'utf8')) as { messages: { dir: string; hex: string }[] };
const captured = Buffer.from(session.messages.find((m) => m.dir.startsWith('DATA'))!.hex, 'hex');

function decodeInChunks(bytes: Buffer, sizes: number[]): { data: Buffer; decoder: DataRecordDecoder } {
  const decoder = new DataRecordDecoder();
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes[i % Math.max(1, sizes.length)] ?? 1);
    out.push(...decoder.push(bytes.subarray(at, at + n)));
    at += n;
  }
  return { data: Buffer.concat(out), decoder };
}

describe('data record framing', () => {
  it('decodes the real capture: 361 bytes, EOF, stray bytes ignored', () => {
    const { data, decoder } = decodeInChunks(captured, [captured.length]);
    expect(data.length).toBe(19 * 19);
    expect(decoder.status).toBe(5);
    expect(decoder.end()).toBe('complete');
  });

  it('gives the same bytes whatever the chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 5 }), (records, sizes) => {
        const { data, decoder } = decodeInChunks(dataStream(records.map((r) => Buffer.from(r)), 5, Buffer.from('junk')), sizes);
        expect(data).toEqual(Buffer.concat(records.map((r) => Buffer.from(r))));
        expect(decoder.status).toBe(5);
      }),
    );
  });

  it('reports where a stream stopped', () => {
    const noStatus = new DataRecordDecoder();
    noStatus.push(dataStream([Buffer.alloc(3)], null));
    expect(noStatus.end()).toBe('missing-status');
    const cut = new DataRecordDecoder();
    cut.push(Buffer.from([0, 0, 0, 9, 1, 2]));
    expect(cut.end()).toBe('truncated');
  });

  it('never throws anything but ScanError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        try {
          const d = new DataRecordDecoder(1024);
          const out = d.push(Buffer.from(bytes));
          expect(out.reduce((n, b) => n + b.length, 0)).toBeLessThanOrEqual(bytes.length);
        } catch (err) {
          expect(err).toBeInstanceOf(ScanError);
        }
      }),
    );
  });
});

describe('pixel normalisation', () => {
  it('unpacks line art MSB first with 1 = black', () => {
    expect([...unpackLineArt(Buffer.from([0b10100000]), 3)]).toEqual([0, 255, 0]);
  });

  it('cuts lines across chunks and drops padding', () => {
    const n = new LineNormaliser({ format: SaneFrame.Gray, depth: 8, pixelsPerLine: 3, bytesPerLine: 4, byteOrder: SANE_BYTE_ORDER_LITTLE });
    const lines = [...n.push(Buffer.from([1, 2, 3, 99, 4])), ...n.push(Buffer.from([5, 6, 99]))];
    expect(lines.map((l) => [...l])).toEqual([[1, 2, 3], [4, 5, 6]]);
  });

  it('puts big-endian 16-bit samples into little-endian order', () => {
    const n = new LineNormaliser({ format: SaneFrame.Gray, depth: 16, pixelsPerLine: 2, bytesPerLine: 4, byteOrder: SANE_BYTE_ORDER_BIG });
    expect([...n.push(Buffer.from([0x12, 0x34, 0xab, 0xcd]))[0]!]).toEqual([0x34, 0x12, 0xcd, 0xab]);
  });

  it('interleaves three planes', () => {
    expect([...interleaveRgb(Buffer.from([1, 2]), Buffer.from([3, 4]), Buffer.from([5, 6]), 1)]).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('refuses layouts that do not add up', () => {
    const bad = { format: SaneFrame.Rgb, depth: 8, pixelsPerLine: 10, bytesPerLine: 10, byteOrder: SANE_BYTE_ORDER_LITTLE };
    expect(() => new LineNormaliser(bad)).toThrow(ScanError);
    expect(() => new LineNormaliser({ ...bad, bytesPerLine: 2 ** 30 })).toThrow(ScanError);
    expect(() => new LineNormaliser({ ...bad, depth: 12, bytesPerLine: 45 })).toThrow(ScanError);
  });
});
