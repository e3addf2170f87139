import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { ScanError } from '../../src/core/errors.js';
import { parsePnmHeader } from '../../src/storage/documents/pnm-header.js';
import { parseBmpHeader } from '../../src/storage/documents/bmp-header.js';
import { openRasterSource } from '../../src/storage/documents/raster-source.js';
import { writePng } from '../../src/storage/documents/png-writer.js';
import { makeTempDir, run } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

/** A real page from SANE's `test` backend through stock scanimage: what a saned driver delivers. */
function scanimage(mode: string, depth: number): Buffer {
  return execFileSync('scanimage', ['-d', 'test', '--mode', mode, '--depth', String(depth), '--resolution', '50', '--test-picture', 'Color pattern', '-x', '40', '-y', '30'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** Decodes `file` with ImageMagick (a decoder nobody here wrote) to 8-bit raw samples. */
function magickRaw(file: string, channels: 1 | 3): Buffer {
  return execFileSync('convert', [file, '-depth', '8', `${channels === 1 ? 'gray' : 'rgb'}:-`], { stdio: ['ignore', 'pipe', 'ignore'] });
}

/** Our decode: raster source → our PNG writer → sharp's raw pixels. */
async function ourRaw(file: string, type: 'pnm' | 'bmp'): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  const png = `${file}.png`;
  await writePng(png, await openRasterSource(file, type), { resolution: 50 });
  const { channels } = await sharp(png).metadata();
  // sharp widens grey to sRGB on output unless told to keep one band.
  const image = channels === 1 ? sharp(png).extractChannel(0) : sharp(png);
  return image.raw().toBuffer({ resolveWithObject: true });
}

const maxDifference = (a: Buffer, b: Buffer) => a.reduce((max, v, i) => Math.max(max, Math.abs(v - (b[i] ?? -999))), 0);

beforeAll(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterAll(() => cleanup());

describe('PNM pages from scanimage (SANE test backend)', () => {
  const cases = [
    { mode: 'Color', depth: 8, channels: 3 as const, magic: 'P6' },
    { mode: 'Gray', depth: 8, channels: 1 as const, magic: 'P5' },
    { mode: 'Gray', depth: 1, channels: 1 as const, magic: 'P4' },
    { mode: 'Color', depth: 16, channels: 3 as const, magic: 'P6' },
  ];
  for (const c of cases) {
    it(`${c.mode} ${c.depth}-bit (${c.magic}) decodes to the same pixels ImageMagick sees`, async () => {
      const bytes = scanimage(c.mode, c.depth);
      expect(bytes.subarray(0, 2).toString()).toBe(c.magic);
      const header = parsePnmHeader(bytes);
      expect(header).toMatchObject({ width: 78, height: 59, channels: c.channels });
      const file = join(dir, `scan-${c.mode}-${c.depth}.pnm`);
      await writeFile(file, bytes);
      const { data, info } = await ourRaw(file, 'pnm');
      expect(info).toMatchObject({ width: 78, height: 59, channels: c.channels });
      expect(maxDifference(data, magickRaw(file, c.channels))).toBeLessThanOrEqual(c.depth === 16 ? 1 : 0);
      expect((await sharp(`${file}.png`).metadata()).density).toBe(50);
    });
  }
});

describe('BMP pages (written by ImageMagick)', () => {
  const cases = [
    { name: '24-bit', args: ['-type', 'truecolor'], channels: 3 as const, bits: 24 },
    { name: '8-bit grey palette', args: ['-colorspace', 'gray', '-type', 'palette', '-compress', 'none'], channels: 1 as const, bits: 8 },
    { name: '1-bit', args: ['-type', 'bilevel'], channels: 1 as const, bits: 1 },
  ];
  for (const c of cases) {
    it(`${c.name} decodes to the same pixels ImageMagick sees`, async () => {
      const pnm = join(dir, 'bmp-source.pnm');
      await writeFile(pnm, scanimage('Color', 8));
      const bmp = join(dir, `page-${c.bits}.bmp`);
      run('convert', [pnm, ...c.args, `bmp3:${bmp}`]);
      const header = parseBmpHeader(await readFile(bmp));
      expect(header).toMatchObject({ width: 78, height: 59, bitsPerPixel: c.bits, bottomUp: true });
      const { data, info } = await ourRaw(bmp, 'bmp');
      expect(info.channels).toBe(c.channels);
      expect(maxDifference(data, magickRaw(bmp, c.channels))).toBe(0);
    });
  }

  it('reads top-down BMPs (negative height)', async () => {
    const bmp = join(dir, 'topdown.bmp');
    run('convert', ['-size', '5x3', 'gradient:red-blue', '-type', 'truecolor', `bmp3:${bmp}`]);
    const bytes = await readFile(bmp);
    const bottomUp = await ourRaw(bmp, 'bmp');
    // Flip the stored rows and negate the height: the picture must stay the same.
    const header = parseBmpHeader(bytes);
    const flipped = Buffer.from(bytes);
    for (let y = 0; y < header.height; y++) {
      bytes.copy(flipped, header.dataOffset + y * header.rowBytes, header.dataOffset + (header.height - 1 - y) * header.rowBytes, header.dataOffset + (header.height - y) * header.rowBytes);
    }
    flipped.writeInt32LE(-header.height, 22);
    await writeFile(bmp, flipped);
    expect((await ourRaw(bmp, 'bmp')).data.equals(bottomUp.data)).toBe(true);
  });
});

describe('hostile PNM and BMP headers', () => {
  const pnmError = (text: string | Uint8Array) => {
    try {
      parsePnmHeader(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
    } catch (error) {
      return error as ScanError;
    }
    throw new Error('no error');
  };
  it('refuses zero, huge and missing sizes with clear messages', () => {
    expect(pnmError('P6\n0 10\n255\n').message).toMatch(/out of range/);
    expect(pnmError('P6\n100001 1\n255\n').code).toBe('ProtocolError');
    expect(pnmError('P6\n1234567 1\n255\n').message).toMatch(/too many digits/);
    expect(pnmError('P6\n10\n').message).toMatch(/truncated before height/);
    expect(pnmError('P5 10 10 0\n').message).toMatch(/maxval/);
    expect(pnmError('P5 10 10 70000\n').message).toMatch(/too many digits|maxval/);
    expect(pnmError('P6 # only a comment').message).toMatch(/truncated/);
  });
  it('says plain PNM is unsupported', () => expect(pnmError('P3\n1 1\n255\n0 0 0\n').code).toBe('Unsupported'));
  it('refuses a truncated pixel body', async () => {
    const file = join(dir, 'short.pnm');
    await writeFile(file, Buffer.concat([Buffer.from('P6\n100 100\n255\n'), Buffer.alloc(100)]));
    await expect(openRasterSource(file, 'pnm')).rejects.toThrow(/truncated/);
  });
  it('refuses BMPs with bad sizes, compression and palettes', () => {
    const bmp = Buffer.alloc(60);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(0, 18);
    bmp.writeInt32LE(10, 22);
    bmp.writeUInt16LE(24, 28);
    expect(() => parseBmpHeader(bmp)).toThrow(/out of range/);
    bmp.writeInt32LE(10, 18);
    bmp.writeUInt32LE(1, 30); // RLE8
    expect(() => parseBmpHeader(bmp)).toThrow(/compression 1 are not supported/);
    bmp.writeUInt32LE(0, 30);
    bmp.writeUInt16LE(8, 28);
    bmp.writeUInt32LE(1000, 46);
    expect(() => parseBmpHeader(bmp)).toThrow(/palette entries/);
    expect(() => parseBmpHeader(bmp.subarray(0, 20))).toThrow(/truncated/);
  });
  it('never throws anything but a ScanError on random headers', () => {
    const isScanError = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error instanceof ScanError;
      }
      return true;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) =>
        isScanError(() => parsePnmHeader(Uint8Array.from([0x50, 0x36, ...tail]))) && isScanError(() => parseBmpHeader(Buffer.from([0x42, 0x4d, ...tail]))),
      ),
      { numRuns: 2000 },
    );
  });
});
