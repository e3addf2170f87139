import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import type { ScanSettings } from '../../src/core/settings.js';
import { createJobStorage } from '../../src/storage/job-storage.js';
import { createFolderTarget } from '../../src/storage/folder/folder-target.js';
import { makeImage, makeTempDir, pageFrom, run, settingsFor, silentLogger } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
let jobCounter = 0;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
});
afterAll(() => cleanup());

/** Runs one job through the storage with a fresh folder target; returns stored files and the spool folder. */
async function storeJob(pages: Array<{ bytes: Uint8Array; resolution?: number }>, settings: ScanSettings) {
  const n = ++jobCounter;
  const spoolFolder = join(root, `spool-${n}`);
  const folder = join(root, `out-${n}`);
  const storage = createJobStorage({ spoolFolder, logger: silentLogger });
  const session = storage.begin({ jobId: `job${n}`, scannerId: 'office', scannerName: 'Office', settings, createdAt: new Date(2024, 4, 1, 12, 34, 56) });
  for (const [i, p] of pages.entries()) await session.addPage(pageFrom(p.bytes, i + 1, { resolution: p.resolution }));
  const stored = await session.finish([createFolderTarget({ folder, logger: silentLogger })]);
  expect(await readdir(spoolFolder)).toEqual([]); // the spool is cleared after finishing
  return stored;
}

/** `pdfinfo` fields of one file, and the page sizes of `-f 1 -l N`. */
function pdfinfo(path: string, pages: number): { pages: number; sizes: string[] } {
  const out = run('pdfinfo', ['-f', '1', '-l', String(pages), path]);
  const sizes = [...out.matchAll(/^Page\s+\d+ size:\s+([\d.]+ x [\d.]+) pts/gm)].map((m) => m[1] ?? '');
  return { pages: Number(/^Pages:\s+(\d+)/m.exec(out)?.[1]), sizes };
}

/** Rows of `pdfimages -list` below its two header lines, split into columns. */
function pdfimagesList(path: string): string[][] {
  return run('pdfimages', ['-list', path]).trim().split('\n').slice(2).map((line) => line.trim().split(/\s+/));
}

const qpdfCheck = (path: string) => execFileSync('qpdf', ['--check', path], { encoding: 'utf8' });

describe('image formats: one file per page', () => {
  it('passes a page through untouched when it is already in the requested format', async () => {
    const jpeg = await makeImage(300, 200, 'jpeg');
    const [file] = await storeJob([{ bytes: jpeg }], settingsFor('jpeg'));
    expect(file?.path).toMatch(/office\/2024-05-01_123456_job\d+_001\.jpg$/);
    expect((await readFile(file?.path ?? '')).equals(jpeg)).toBe(true);
    expect(file).toMatchObject({ format: 'jpeg', pages: 1, bytes: jpeg.length });
  });

  it('trusts magic bytes over the declared type and converts PNG to JPEG and JPEG to PNG', async () => {
    const png = await makeImage(123, 77, 'png');
    const [asJpeg] = await storeJob([{ bytes: png }], settingsFor('jpeg'));
    expect(await sharp(asJpeg?.path).metadata()).toMatchObject({ format: 'jpeg', width: 123, height: 77 });
    const jpeg = await makeImage(2480, 3508, 'jpeg');
    const [asPng] = await storeJob([{ bytes: jpeg, resolution: 300 }], settingsFor('png'));
    expect(await sharp(asPng?.path).metadata()).toMatchObject({ format: 'png', width: 2480, height: 3508, density: 300 });
  });

  it('converts SANE PNM pages to PNG and TIFF of the same size', async () => {
    const pnm = execFileSync('scanimage', ['-d', 'test', '--mode', 'Color', '--resolution', '75', '--test-picture', 'Color pattern'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const { width, height } = await sharp(execFileSync('convert', ['pnm:-', 'png:-'], { input: pnm })).metadata();
    const [asPng, second] = await storeJob([{ bytes: pnm, resolution: 75 }, { bytes: pnm, resolution: 75 }], settingsFor('png'));
    expect(await sharp(asPng?.path).metadata()).toMatchObject({ format: 'png', width, height, density: 75 });
    expect(second?.path).toMatch(/_002\.png$/);
    const [asTiff] = await storeJob([{ bytes: pnm, resolution: 75 }], settingsFor('tiff'));
    expect(asTiff?.path).toMatch(/\.tif$/);
    expect(await sharp(asTiff?.path).metadata()).toMatchObject({ format: 'tiff', width, height });
  });

  it('stores black-and-white TIFF pages as 1-bit CCITT G4', async () => {
    const [tiff] = await storeJob([{ bytes: await makeImage(200, 100, 'png') }], settingsFor('tiff', { color_mode: 'bw' }));
    expect(run('identify', ['-format', '%z %C', tiff?.path ?? ''])).toBe('1 Group4');
  });
});

describe('PDF documents', () => {
  it('assembles three JPEG pages into one PDF, embedding the JPEGs as-is (DCT)', async () => {
    const pages = [
      { bytes: await makeImage(2480, 3508, 'jpeg'), resolution: 300 }, // A4 at 300 dpi
      { bytes: await makeImage(1240, 1754, 'jpeg'), resolution: 150 }, // A4 at 150 dpi
      { bytes: await makeImage(850, 1100, 'jpeg') }, // letter at the settings' 100 dpi
    ];
    const [pdf, ...rest] = await storeJob(pages, settingsFor('pdf', { resolution: 100 }));
    expect(rest).toEqual([]);
    expect(pdf).toMatchObject({ format: 'pdf', pages: 3 });
    expect(pdf?.path).toMatch(/_001\.pdf$/);
    const info = pdfinfo(pdf?.path ?? '', 3);
    expect(info.pages).toBe(3);
    expect(info.sizes).toEqual(['595.2 x 841.92', '595.2 x 841.92', '612 x 792']);
    const images = pdfimagesList(pdf?.path ?? '');
    expect(images.map((row) => [row[3], row[4], row[5], row[8]])).toEqual([
      ['2480', '3508', 'rgb', 'jpeg'],
      ['1240', '1754', 'rgb', 'jpeg'],
      ['850', '1100', 'rgb', 'jpeg'],
    ]);
    expect(qpdfCheck(pdf?.path ?? '')).toMatch(/No syntax or stream encoding errors/);
    // DCT passthrough: the first page's JPEG is inside the PDF byte for byte.
    expect((await readFile(pdf?.path ?? '')).includes(pages[0]?.bytes ?? Buffer.alloc(1))).toBe(true);
  });

  it('converts PNG and PNM pages (colour and grey) to JPEG inside the PDF', async () => {
    const pnmGrey = execFileSync('scanimage', ['-d', 'test', '--mode', 'Gray', '--resolution', '50', '--test-picture', 'Color pattern'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const [pdf] = await storeJob([{ bytes: await makeImage(200, 300, 'png'), resolution: 100 }, { bytes: pnmGrey, resolution: 50 }], settingsFor('pdf'));
    const images = pdfimagesList(pdf?.path ?? '');
    expect(images.map((row) => [row[5], row[8]])).toEqual([
      ['rgb', 'jpeg'],
      ['gray', 'jpeg'],
    ]);
    expect(pdfinfo(pdf?.path ?? '', 1).sizes[0]).toBe('144 x 216');
    qpdfCheck(pdf?.path ?? '');
  });

  it('stores black-and-white pages as 1-bit Flate images that render back to the same pixels', async () => {
    const bw = await sharp(await makeImage(203, 150, 'png')).toColourspace('b-w').threshold(128).png().toBuffer();
    const [pdf] = await storeJob([{ bytes: bw, resolution: 200 }, { bytes: bw, resolution: 200 }], settingsFor('pdf', { color_mode: 'bw' }));
    const images = pdfimagesList(pdf?.path ?? '');
    expect(images.map((row) => [row[3], row[4], row[5], row[7], row[8]])).toEqual([
      ['203', '150', 'gray', '1', 'image'],
      ['203', '150', 'gray', '1', 'image'],
    ]);
    qpdfCheck(pdf?.path ?? '');
    const out = join(root, 'bw-extract');
    run('pdfimages', ['-f', '1', '-l', '1', '-png', pdf?.path ?? '', out]);
    const extracted = await sharp(`${out}-000.png`).extractChannel(0).raw().toBuffer();
    const original = await sharp(bw).extractChannel(0).raw().toBuffer();
    expect(extracted.equals(original)).toBe(true);
  });

  it('stores a single device PDF as is and merges several into one', async () => {
    const devicePdf = async (pages: number) => {
      const doc = await PDFDocument.create();
      for (let i = 0; i < pages; i++) doc.addPage([595, 842]).drawText(`page ${i + 1}`);
      return doc.save();
    };
    const single = await devicePdf(2);
    const [kept] = await storeJob([{ bytes: single }], settingsFor('pdf'));
    expect((await readFile(kept?.path ?? '')).equals(Buffer.from(single))).toBe(true);
    expect(kept?.pages).toBe(2);
    const [merged] = await storeJob([{ bytes: await devicePdf(1) }, { bytes: await devicePdf(1) }, { bytes: await devicePdf(2) }], settingsFor('pdf'));
    expect(merged?.pages).toBe(4);
    expect(pdfinfo(merged?.path ?? '', 1).pages).toBe(4);
    qpdfCheck(merged?.path ?? '');
  });

  it('merges per-page PDFs written by qpdf with object streams (a layout pdf-lib must read)', async () => {
    const doc = await PDFDocument.create();
    for (let i = 0; i < 3; i++) doc.addPage([612, 792]).drawText(`sheet ${i + 1}`);
    const source = join(root, 'three.pdf');
    await writeFile(source, await doc.save({ useObjectStreams: false }));
    const perPage = [1, 2, 3].map((n) => {
      const out = join(root, `qpdf-page-${n}.pdf`);
      execFileSync('qpdf', ['--empty', '--object-streams=generate', '--pages', source, String(n), '--', out]);
      return out;
    });
    const [merged] = await storeJob(await Promise.all(perPage.map(async (p) => ({ bytes: await readFile(p) }))), settingsFor('pdf'));
    expect(pdfinfo(merged?.path ?? '', 1).pages).toBe(3);
    expect(run('pdftotext', [merged?.path ?? '', '-'])).toMatch(/sheet 1[\s\S]*sheet 2[\s\S]*sheet 3/);
  });

  it('fails with a clear error on a broken JPEG page and leaves no PDF and no spool behind', async () => {
    const spoolFolder = join(root, 'spool-broken');
    const folder = join(root, 'out-broken');
    const session = createJobStorage({ spoolFolder, logger: silentLogger }).begin({ jobId: 'broken', scannerId: 'office', scannerName: 'Office', settings: settingsFor('pdf'), createdAt: new Date() });
    await session.addPage(pageFrom(await makeImage(100, 100, 'jpeg'), 1));
    await session.addPage(pageFrom(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0xff, 0xff, 1, 2, 3]), 2));
    await expect(session.finish([createFolderTarget({ folder, logger: silentLogger })])).rejects.toMatchObject({ code: 'ProtocolError', message: expect.stringMatching(/invalid JPEG: segment of 65535 bytes runs past/) });
    expect(await readdir(spoolFolder)).toEqual([]);
    await expect(readdir(folder)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
