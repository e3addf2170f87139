/** The streaming page encoders: strip JPEG (same pixels as one whole-image encode by the same codec) and PNG rows; clear errors on bad input. */
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../../src/core/errors.js';
import { encodeJpegInStrips } from '../../../src/protocols/sane/jpeg-strip-encoder.js';
import { parseJpegStrip, restartInterval } from '../../../src/protocols/sane/jpeg-strips.js';
import { encodeRawPage, JPEG_QUALITY } from '../../../src/protocols/sane/page-encoder.js';
import { encodePngRows } from '../../../src/protocols/sane/png-rows.js';
import { loadStripCodec } from '../../../src/protocols/sane/strip-codec.js';
import { collect, decodeImage } from './helpers.js';

/** A deterministic picture with edges and gradients (hard for JPEG, easy to compare). */
function picture(width: number, height: number, channels: 1 | 3): Buffer {
  const buf = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) buf[(y * width + x) * channels + c] = ((x * (c + 1)) ^ (y * 3)) & 0xff;
  return buf;
}

/** Feeds the raw bytes in odd-sized chunks, as a data connection would. */
function chunked(buf: Buffer, size = 7777): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < buf.length; at += size) parts.push(buf.subarray(at, at + size));
  return Readable.from(parts);
}

/** The page encoded in one piece by the codec its strips use (libjpeg-turbo, or sharp above quality 95). */
async function wholeEncode(raw: Buffer, width: number, height: number, channels: 1 | 3, quality: number): Promise<Buffer> {
  return (await loadStripCodec({ width, channels, stripLines: height, quality })).encode(raw, height);
}

async function decoded(jpeg: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

describe('strip JPEG encoder', () => {
  for (const { channels, width, height } of [
    { channels: 3, width: 333, height: 517 },
    { channels: 3, width: 64, height: 128 },
    { channels: 1, width: 250, height: 301 },
    { channels: 3, width: 40, height: 5 },
  ] as const) {
    it(`decodes to the same pixels as one whole encode (${channels} channel(s), ${width} x ${height})`, async () => {
      const raw = picture(width, height, channels);
      const strips = await collect(encodeJpegInStrips(chunked(raw), { width, height, channels }, 90, 32));
      const whole = await wholeEncode(raw, width, height, channels, 90);
      const [mine, reference] = [await decoded(strips), await decoded(whole)];
      expect([mine.width, mine.height]).toEqual([width, height]);
      expect(mine.data.equals(reference.data)).toBe(true);
      const meta = await sharp(strips).metadata();
      expect(meta.format).toBe('jpeg');
    });
  }

  it('works with the default strip height and in-flight strips on a larger page', async () => {
    const [width, height] = [1240, 1754];
    const raw = picture(width, height, 3);
    const strips = await collect(encodeJpegInStrips(chunked(raw, 65536), { width, height, channels: 3 }, 90));
    const whole = await wholeEncode(raw, width, height, 3, 90);
    expect((await decoded(strips)).data.equals((await decoded(whole)).data)).toBe(true);
  });

  it('joins sharp-encoded strips (quality above 95) into the pixels of one sharp encode', async () => {
    const [width, height] = [333, 517];
    const raw = picture(width, height, 3);
    const strips = await collect(encodeJpegInStrips(chunked(raw), { width, height, channels: 3 }, 97, 32));
    const whole = await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 97, optimiseCoding: false, chromaSubsampling: '4:2:0' }).toBuffer();
    expect((await decoded(strips)).data.equals((await decoded(whole)).data)).toBe(true);
  });

  it('encodes raw pages at the quality it is given (scan.jpeg_quality), with the quantisation tables of that quality', async () => {
    const [width, height] = [96, 64];
    const raw = picture(width, height, 3);
    const tablesAt = async (quality: number) => parseJpegStrip(await collect(encodeRawPage(chunked(raw), { width, height, channels: 3, sampleBytes: 1 }, 'jpeg', quality))).tables;
    const reference = async (quality: number) => parseJpegStrip(await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality, optimiseCoding: false }).toBuffer()).tables;
    expect((await tablesAt(75)).equals(await reference(75))).toBe(true);
    expect((await tablesAt(90)).equals(await reference(90))).toBe(true);
    expect((await tablesAt(75)).equals(await reference(90))).toBe(false);
    // The default, when no quality is passed, stays JPEG_QUALITY.
    const byDefault = parseJpegStrip(await collect(encodeRawPage(chunked(raw), { width, height, channels: 3, sampleBytes: 1 }, 'jpeg'))).tables;
    expect(byDefault.equals(await reference(JPEG_QUALITY))).toBe(true);
  });

  it('passes a failing source on as the stream error', async () => {
    const source = new Readable({ read() {} });
    const out = encodeJpegInStrips(source, { width: 10, height: 100, channels: 1 }, 90, 16);
    source.push(Buffer.alloc(10 * 20));
    setImmediate(() => source.destroy(new ScanError('DeviceOffline', 'gone')));
    await expect(collect(out)).rejects.toMatchObject({ code: 'DeviceOffline' });
  });

  it('rejects what is not a baseline JPEG with a clear error', async () => {
    const progressive = await sharp(picture(16, 16, 3), { raw: { width: 16, height: 16, channels: 3 } }).jpeg({ progressive: true }).toBuffer();
    const good = await sharp(picture(16, 16, 3), { raw: { width: 16, height: 16, channels: 3 } }).jpeg({ optimiseCoding: false }).toBuffer();
    const overrun = Buffer.from(good);
    overrun.writeUInt16BE(0xfff0, 4);
    for (const input of [Buffer.alloc(0), Buffer.from('not a jpeg at all'), progressive, good.subarray(0, 100), overrun, Buffer.from([0xff, 0xd8, 0xff, 0xd9])]) {
      expect(() => parseJpegStrip(input)).toThrow(ScanError);
    }
    expect(() => restartInterval(parseJpegStrip(good), 16, 12)).toThrow(/whole MCU rows/);
    expect(() => restartInterval(parseJpegStrip(good), 200_000, 160)).toThrow(/too large/);
  });
});

describe('streaming PNG rows', () => {
  for (const { channels, width, height } of [
    { channels: 3, width: 333, height: 517 },
    { channels: 1, width: 250, height: 301 },
    { channels: 3, width: 1, height: 1 },
  ] as const) {
    it(`decodes to exactly the input (${channels} channel(s), ${width} x ${height})`, async () => {
      const raw = picture(width, height, channels);
      for (const size of [7, 4096, raw.length]) {
        const png = await collect(Readable.from(encodePngRows(chunked(raw, size), { width, height, channels })));
        const mine = await decodeImage(png);
        expect([mine.width, mine.height, mine.channels]).toEqual([width, height, channels]);
        expect(mine.data.equals(raw)).toBe(true);
      }
    });
  }

  it('passes a failing source on as the stream error', async () => {
    const source = new Readable({ read() {} });
    const out = Readable.from(encodePngRows(source, { width: 10, height: 100, channels: 1 }));
    source.push(Buffer.alloc(10 * 20));
    setImmediate(() => source.destroy(new ScanError('DeviceOffline', 'gone')));
    await expect(collect(out)).rejects.toMatchObject({ code: 'DeviceOffline' });
  });
});
