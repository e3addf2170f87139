/** The strip JPEG codec: libjpeg-turbo up to quality 95, sharp above and when libjpeg-turbo cannot load; standard tables; fidelity. */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseJpegStrip } from '../../../src/protocols/sane/jpeg-strips.js';
import { FAST_DCT_MAX_QUALITY, loadStripCodec } from '../../../src/protocols/sane/strip-codec.js';

/** A photo-like picture: smooth shading with a little noise, where DCT accuracy shows. */
function photo(width: number, height: number, channels: 1 | 3): Buffer {
  const buf = Buffer.alloc(width * height * channels);
  let seed = 7;
  for (let i = 0; i < buf.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const pixel = Math.floor(i / channels);
    const [x, y] = [pixel % width, Math.floor(pixel / width)];
    const shade = 128 + 100 * Math.sin(x / 23 + (i % channels)) * Math.cos(y / 17);
    buf[i] = Math.max(0, Math.min(255, Math.round(shade + ((seed >> 16) % 17) - 8)));
  }
  return buf;
}

async function pixels(jpeg: Buffer): Promise<Buffer> {
  return (await sharp(jpeg).raw().toBuffer({ resolveWithObject: true })).data;
}

/** The DQT and DHT segments of a tables block, each as hex. */
function segments(tables: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 4 <= tables.length; at += 2 + tables.readUInt16BE(at + 2)) out.push(tables.subarray(at, at + 2 + tables.readUInt16BE(at + 2)).toString('hex'));
  return out;
}

function psnr(a: Buffer, b: Buffer): number {
  let squares = 0;
  for (let i = 0; i < a.length; i++) squares += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return 10 * Math.log10((255 * 255) / (squares / a.length));
}

const sharpReference = (raw: Buffer, width: number, height: number, channels: 1 | 3, quality: number) =>
  loadStripCodec({ width, channels, stripLines: height, quality }, () => Promise.reject(new Error('sharp wanted'))).then((codec) => codec.encode(raw, height));

describe('strip codec', () => {
  it('encodes with libjpeg-turbo up to quality 95 and with sharp above (the fast DCT degrades there)', async () => {
    // The optional dependency is installed by npm ci: a broken install shows here, not as a slower gateway.
    expect((await loadStripCodec({ width: 64, channels: 3, stripLines: 16, quality: 75 })).name).toBe('libjpeg-turbo');
    expect((await loadStripCodec({ width: 64, channels: 1, stripLines: 16, quality: FAST_DCT_MAX_QUALITY })).name).toBe('libjpeg-turbo');
    expect((await loadStripCodec({ width: 64, channels: 3, stripLines: 16, quality: FAST_DCT_MAX_QUALITY + 1 })).name).toBe('sharp');
  });

  it('falls back to sharp when libjpeg-turbo cannot be loaded, and still encodes', async () => {
    const unavailable = () => Promise.reject(new Error('no prebuilt binary for this platform'));
    for (const channels of [3, 1] as const) {
      const codec = await loadStripCodec({ width: 48, channels, stripLines: 32, quality: 80 }, unavailable);
      expect(codec.name).toBe('sharp');
      const meta = await sharp(await codec.encode(photo(48, 32, channels), 32)).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([48, 32, channels]);
    }
  });

  for (const channels of [1, 3] as const) {
    it(`writes the standard tables of the quality, as sharp does (${channels} channel(s)), so strips of either join`, async () => {
      const [width, height] = [80, 48];
      const raw = photo(width, height, channels);
      for (const quality of [50, 75, 90]) {
        const turbo = await (await loadStripCodec({ width, channels, stripLines: height, quality })).encode(raw, height);
        const reference = await sharpReference(raw, width, height, channels, quality);
        const [mine, theirs] = [parseJpegStrip(turbo), parseJpegStrip(reference)];
        // libvips also writes the chrominance tables into a grey JPEG, unused; the ones used are the same.
        if (channels === 3) expect(mine.tables.equals(theirs.tables)).toBe(true);
        else expect(segments(theirs.tables)).toEqual(expect.arrayContaining(segments(mine.tables)));
        expect(segments(mine.tables).length).toBe(channels === 3 ? 6 : 3);
        expect([mine.mcuWidth, mine.mcuHeight]).toEqual([theirs.mcuWidth, theirs.mcuHeight]);
      }
    });
  }

  it('loses at most 0.1 dB of PSNR against sharp’s accurate DCT, up to quality 95', async () => {
    const [width, height] = [512, 256];
    const raw = photo(width, height, 3);
    for (const quality of [75, 90, 95]) {
      const turbo = await (await loadStripCodec({ width, channels: 3, stripLines: height, quality })).encode(raw, height);
      const accurate = await sharpReference(raw, width, height, 3, quality);
      const loss = psnr(raw, await pixels(accurate)) - psnr(raw, await pixels(turbo));
      expect(loss, `quality ${quality}`).toBeLessThan(0.1);
    }
  });

  it('hands out JPEGs of their own: strips encoded side by side through reused scratch buffers stay intact', async () => {
    const [width, lines] = [256, 64];
    const codec = await loadStripCodec({ width, channels: 3, stripLines: lines, quality: 85 });
    const strips = [photo(width, lines, 3), Buffer.alloc(width * lines * 3, 0xff), Buffer.alloc(width * lines * 3, 0x00), photo(width, lines, 3).reverse()];
    const first = await Promise.all(strips.map((s) => codec.encode(s, lines)));
    const copies = first.map((j) => Buffer.from(j));
    await Promise.all(strips.map((s) => codec.encode(s, lines))); // reuses the scratch buffers again
    first.forEach((jpeg, i) => expect(jpeg.equals(copies[i] as Buffer)).toBe(true));
    expect((await pixels(first[1] as Buffer)).every((v) => v === 0xff)).toBe(true);
    expect((await pixels(first[2] as Buffer)).every((v) => v === 0x00)).toBe(true);
  });

  it('encodes a short last strip through the full strip’s scratch buffer', async () => {
    const codec = await loadStripCodec({ width: 100, channels: 1, stripLines: 64, quality: 75 });
    const jpeg = await codec.encode(photo(100, 9, 1), 9);
    const meta = await sharp(jpeg).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([100, 9, 1]);
  });
});
