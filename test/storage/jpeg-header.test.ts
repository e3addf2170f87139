import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import sharp from 'sharp';
import { ScanError } from '../../src/core/errors.js';
import { isPdfEmbeddable, parseJpegHeader } from '../../src/storage/documents/jpeg-header.js';
import { makeImage } from './helpers.js';

/** Builds a JPEG-like byte string from segments: [marker, payload]. */
function segments(...parts: Array<[number, number[]]>): Uint8Array {
  const bytes = [0xff, 0xd8];
  for (const [marker, payload] of parts) bytes.push(0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload);
  return Uint8Array.from(bytes);
}

const expectProtocolError = (bytes: Uint8Array, pattern: RegExp) => {
  let caught: unknown;
  try {
    parseJpegHeader(bytes);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ScanError);
  expect((caught as ScanError).code).toBe('ProtocolError');
  expect((caught as ScanError).message).toMatch(pattern);
};

describe('parseJpegHeader on real encoder output', () => {
  it('reads size and components of colour, grey and progressive JPEGs from sharp/mozjpeg', async () => {
    const colour = parseJpegHeader(await makeImage(2480, 3508, 'jpeg', { density: 300 }));
    expect(colour).toMatchObject({ width: 2480, height: 3508, components: 3, precision: 8, frameMarker: 0xc0 });
    const grey = parseJpegHeader(await sharp(await makeImage(31, 17, 'png', { channels: 1 })).toColourspace('b-w').jpeg().toBuffer());
    expect(grey).toMatchObject({ width: 31, height: 17, components: 1 });
    const progressive = parseJpegHeader(await sharp(await makeImage(64, 40, 'png')).jpeg({ progressive: true }).toBuffer());
    expect(progressive.frameMarker).toBe(0xc2);
    expect(isPdfEmbeddable(progressive)).toBe(true);
  });

  it('recognises Adobe CMYK JPEGs', async () => {
    const cmyk = await sharp(await makeImage(20, 10, 'png')).toColourspace('cmyk').jpeg().toBuffer();
    const header = parseJpegHeader(cmyk);
    expect(header.components).toBe(4);
    expect(header.adobe).toBe(true);
  });

  it('skips fill bytes and standalone markers before the frame header', () => {
    const bytes = Uint8Array.from([0xff, 0xd8, 0xff, 0xff, 0xd0, 0xff, 0xc0, 0, 11, 8, 0, 5, 0, 7, 1, 1, 0x11, 0]);
    expect(parseJpegHeader(bytes)).toMatchObject({ width: 7, height: 5, components: 1 });
  });
});

describe('parseJpegHeader on hostile input', () => {
  it('refuses data without SOI', () => expectProtocolError(Uint8Array.from([0x89, 0x50, 0x4e, 0x47]), /SOI/));
  it('refuses an empty buffer', () => expectProtocolError(new Uint8Array(0), /SOI/));
  it('refuses a file cut before the frame header', () => expectProtocolError(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00]), /truncated/));
  it('refuses a segment length that runs past the data', () => expectProtocolError(Uint8Array.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 1, 2, 3]), /runs past/));
  it('refuses a segment length below 2', () => expectProtocolError(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01]), /too small/));
  it('refuses zero width and zero height', () => {
    expectProtocolError(segments([0xc0, [8, 0, 0, 0, 10, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]]), /zero height/);
    expectProtocolError(segments([0xc0, [8, 0, 10, 0, 0, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0]]), /zero width/);
  });
  it('refuses odd component counts and a component list longer than the segment', () => {
    expectProtocolError(segments([0xc0, [8, 0, 10, 0, 10, 2, 1, 0x11, 0, 2, 0x11, 0]]), /2 colour components/);
    expectProtocolError(segments([0xc0, [8, 0, 10, 0, 10, 3, 1, 0x11, 0]]), /shorter than its component list/);
  });
  it('refuses image data before any frame header', () => expectProtocolError(segments([0xdb, [0]], [0xda, [1, 2]]), /no frame header/));
  it('refuses garbage where a marker should be', () => expectProtocolError(Uint8Array.from([0xff, 0xd8, 0x00, 0x00]), /expected a marker/));
  it('never throws anything but a ScanError, whatever follows SOI', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
        try {
          parseJpegHeader(Uint8Array.from([0xff, 0xd8, ...tail]));
        } catch (error) {
          return error instanceof ScanError && error.code === 'ProtocolError';
        }
        return true;
      }),
      { numRuns: 2000 },
    );
  });
});
