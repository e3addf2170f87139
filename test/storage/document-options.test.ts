import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { ScanSettings } from '../../src/core/settings.js';
import type { DocumentOptions } from '../../src/storage/document-options.js';
import { orderDuplexPages } from '../../src/storage/documents/duplex-order.js';
import { inkFraction } from '../../src/storage/documents/blank-pages.js';
import { pdfTextString } from '../../src/storage/documents/pdf-writer.js';
import { parseTrailer } from '../../src/storage/documents/pdf-info-update.js';
import { createFolderTarget } from '../../src/storage/folder/folder-target.js';
import { createJobStorage } from '../../src/storage/job-storage.js';
import { makeTempDir, pageFrom, run, settingsFor, silentLogger } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
let jobs = 0;
const DPI = 100;
const A4 = { w: 827, h: 1169 }; // A4 at 100 dpi

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('scan2mqtt-docopts-'));
});
afterAll(() => cleanup());

/** Deterministic pseudo-random numbers (xorshift), so "scanner noise" is the same every run. */
function noise(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % 1000) / 1000;
  };
}

/** A grey A4 page at 100 dpi: paper `paper`, ±`jitter` noise, dust specks, a dark ADF edge line, plus `ink` rectangles. */
async function page(options: { paper?: number; jitter?: number; specks?: number; ink?: Array<[number, number, number, number]>; seed?: number; mark?: number }): Promise<Buffer> {
  const { w, h } = A4;
  const rand = noise(options.seed ?? 7);
  const raw = Buffer.alloc(w * h);
  const paper = options.paper ?? 250;
  const jitter = options.jitter ?? 0;
  for (let i = 0; i < raw.length; i++) raw[i] = Math.max(0, Math.min(255, Math.round(paper + (rand() * 2 - 1) * jitter)));
  for (let s = 0; s < (options.specks ?? 0); s++) raw[Math.floor(rand() * w * h)] = 20;
  for (let y = 0; y < h; y++) for (let x = 0; x < 3; x++) raw[y * w + x] = 40; // the ADF edge shadow
  for (const [x0, y0, rw, rh] of options.ink ?? []) for (let y = y0; y < y0 + rh; y++) for (let x = x0; x < x0 + rw; x++) raw[y * w + x] = 15;
  // A tiny per-page marker in a corner so page order can be told apart in the PDF (too small to count as ink).
  if (options.mark !== undefined) raw[(h - 1) * w + w - 1] = options.mark;
  return sharp(raw, { raw: { width: w, height: h, channels: 1 } }).jpeg({ quality: 90 }).toBuffer();
}

/** One short line of text: 25 "letters" of three thin strokes each, 12 pt high at 100 dpi. */
const textLine: Array<[number, number, number, number]> = Array.from({ length: 25 }, (_, i) => i).flatMap((i) => [
  [100 + i * 14, 300, 2, 16],
  [104 + i * 14, 300, 2, 16],
  [100 + i * 14, 314, 7, 2],
] as Array<[number, number, number, number]>);

/** Runs a job; returns the stored files and the finish result. */
async function storeJob(pages: Buffer[], settings: ScanSettings, document: DocumentOptions, toolPath?: string) {
  const n = ++jobs;
  const folder = join(root, `out-${n}`);
  const storage = createJobStorage({ spoolFolder: join(root, `spool-${n}`), logger: silentLogger, ...(toolPath !== undefined ? { toolPath } : {}) });
  const session = storage.begin({ jobId: `job${n}`, scannerId: 'office', scannerName: 'Office Scanner', settings, createdAt: new Date(Date.UTC(2024, 4, 1, 12, 0, 0)), document });
  for (const [i, bytes] of pages.entries()) await session.addPage(pageFrom(bytes, i + 1, { resolution: settings.resolution }));
  const result = await session.finishJob([createFolderTarget({ folder, logger: silentLogger })]);
  return { result, folder };
}

/** The width in points of each page of a PDF: page sizes tell the test pages apart. */
async function pageWidths(path: string): Promise<number[]> {
  const pdf = await PDFDocument.load(await readFile(path));
  return pdf.getPages().map((p) => Math.round(p.getWidth()));
}

/** Pages of distinct widths (10 px steps) so their order in the PDF can be read back. */
const widthPage = (i: number) => sharp({ create: { width: 100 + i * 10, height: 200, channels: 3, background: '#888' } }).jpeg().toBuffer();

describe('duplex page order', () => {
  it('orders fronts-then-backs and fronts-then-reversed-backs (odd counts included)', () => {
    expect(orderDuplexPages([1, 2, 3, 4, 5, 6], 'as-delivered')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(orderDuplexPages(['f1', 'f2', 'f3', 'b1', 'b2', 'b3'], 'fronts-then-backs')).toEqual(['f1', 'b1', 'f2', 'b2', 'f3', 'b3']);
    expect(orderDuplexPages(['f1', 'f2', 'f3', 'b3', 'b2', 'b1'], 'fronts-then-reversed-backs')).toEqual(['f1', 'b1', 'f2', 'b2', 'f3', 'b3']);
    expect(orderDuplexPages(['f1', 'f2', 'f3', 'b2', 'b1'], 'fronts-then-reversed-backs')).toEqual(['f1', 'b1', 'f2', 'b2', 'f3']);
    expect(orderDuplexPages(['a', 'b'], 'fronts-then-backs')).toEqual(['a', 'b']);
    expect(orderDuplexPages([], 'fronts-then-backs')).toEqual([]);
  });

  it('puts the pages of the PDF in reading order', async () => {
    // Delivered: f1 f2 f3 b3 b2 b1 (widths 110 120 130 160 150 140 px) → reading order f1 b1 f2 b2 f3 b3.
    const delivered = await Promise.all([1, 2, 3, 6, 5, 4].map(widthPage));
    const { result } = await storeJob(delivered, settingsFor('pdf', { resolution: 72 }), { duplexOrder: 'fronts-then-reversed-backs' });
    expect(await pageWidths(result.stored[0]!.path)).toEqual([110, 140, 120, 150, 130, 160]);
  });

  it('names per-page image files in reading order', async () => {
    const delivered = await Promise.all([1, 2, 3, 4].map(widthPage)); // f1 f2 b1 b2
    const { result } = await storeJob(delivered, settingsFor('jpeg', { resolution: 72 }), { duplexOrder: 'fronts-then-backs' });
    const widths = await Promise.all(result.stored.map(async (f) => (await sharp(f.path).metadata()).width));
    expect(widths).toEqual([110, 130, 120, 140]);
    expect(result.stored.map((f) => f.path.slice(-7))).toEqual(['001.jpg', '002.jpg', '003.jpg', '004.jpg']);
  });
});

describe('blank page removal', () => {
  it('scores blank, noisy, dusty, grey-paper pages near zero and one short line of text clearly above', async () => {
    const dir = join(root, 'ink');
    await mkdir(dir);
    const score = async (bytes: Buffer) => {
      const path = join(dir, `p${Math.random().toString(36).slice(2)}.jpg`);
      await writeFile(path, bytes);
      return inkFraction({ index: 1, path, type: 'jpeg', bytes: bytes.length }, dir);
    };
    const blank = await score(await page({}));
    const noisy = await score(await page({ jitter: 12, specks: 400 }));
    const grey = await score(await page({ paper: 215, jitter: 8 }));
    const text = await score(await page({ jitter: 12, specks: 400, ink: textLine }));
    expect(blank).toBeLessThan(0.0002);
    expect(noisy).toBeLessThan(0.0002);
    expect(grey).toBeLessThan(0.0002);
    expect(text).toBeGreaterThan(0.001);
  });

  it('drops blank pages from the PDF, keeps the page with one line of text, and reports what it dropped', async () => {
    const pages = [await page({ ink: textLine, jitter: 10 }), await page({ jitter: 10, specks: 300 }), await page({ ink: textLine, seed: 3 }), await page({ paper: 225, jitter: 6 })];
    const { result } = await storeJob(pages, settingsFor('pdf', { resolution: DPI }), { blankPages: { threshold: 0.0005 } });
    expect(result.removed_blank_pages).toEqual([2, 4]);
    expect(result.pages).toBe(2);
    const pdf = await PDFDocument.load(await readFile(result.stored[0]!.path));
    expect(pdf.getPageCount()).toBe(2);
    // A4 at 100 dpi → 595 × 842 pt, and the JPEG pages are embedded as they came (DCT).
    expect(pdf.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight())])).toEqual([
      [595, 842],
      [595, 842],
    ]);
    expect(run('pdfimages', ['-list', result.stored[0]!.path])).toMatch(/jpeg/);
  });

  it('a job whose pages are all blank fails with a clear message', async () => {
    await expect(storeJob([await page({ jitter: 5 })], settingsFor('pdf', { resolution: DPI }), { blankPages: { threshold: 0.0005 } })).rejects.toMatchObject({
      code: 'StorageFailed',
      message: expect.stringContaining('all 1 pages were blank'),
    });
  });
});

describe('PDF metadata', () => {
  it('writes title, author, subject, keywords and the scanner as creator; non-ASCII survives', async () => {
    const { result } = await storeJob([await widthPage(1)], settingsFor('pdf', { resolution: 72 }), { metadata: { title: 'Rechnung Müller (März)', author: 'Ann', subject: 'Bills', keywords: ['tax', '2024'] } });
    const pdf = await PDFDocument.load(await readFile(result.stored[0]!.path), { updateMetadata: false });
    expect(pdf.getTitle()).toBe('Rechnung Müller (März)');
    expect(pdf.getAuthor()).toBe('Ann');
    expect(pdf.getSubject()).toBe('Bills');
    expect(pdf.getKeywords()).toBe('tax, 2024');
    expect(pdf.getCreator()).toBe('Office Scanner');
    expect(pdf.getProducer()).toBe('scan2mqtt');
    expect(run('pdfinfo', [result.stored[0]!.path])).toMatch(/Title:\s+Rechnung Müller \(März\)/);
  });

  it('escapes text strings', () => {
    expect(pdfTextString('a(b)c\\')).toBe('(a\\(b\\)c\\\\)');
    expect(pdfTextString('é')).toBe('<FEFF00E9>');
    expect(pdfTextString('x'.repeat(5000))).toHaveLength(1002);
  });
});

/** A page with real words for Tesseract, rendered by ImageMagick. */
function textPage(words: string): Buffer {
  return execFileSync('convert', ['-density', '150', '-units', 'PixelsPerInch', '-size', '1240x600', 'xc:white', '-font', 'DejaVu-Sans', '-pointsize', '36', '-fill', 'black', '-annotate', '+100+200', words, '-quality', '85', 'jpeg:-']);
}

describe('searchable PDF (OCRmyPDF)', () => {
  it('adds a text layer when ocrmypdf is installed, keeping page count and size', async () => {
    const { result } = await storeJob([textPage('Invoice number 4711'), textPage('Second page says hello')], settingsFor('pdf', { resolution: 150 }), { ocr: { language: 'eng' } });
    const path = result.stored[0]!.path;
    expect(run('pdftotext', [path, '-']).replace(/\s+/g, ' ')).toMatch(/Invoice number 4711.*Second page says hello/);
    expect(run('pdfimages', ['-list', path])).toMatch(/jpeg/); // the scans themselves are not re-encoded
    const pdf = await PDFDocument.load(await readFile(path));
    expect(pdf.getPageCount()).toBe(2);
    expect(Math.round(pdf.getPage(0).getWidth())).toBe(595); // 1240 px at 150 dpi
  }, 120_000);

  it('fails the job with a clear message when ocrmypdf is absent, and refuses odd language codes', async () => {
    const emptyPath = join(root, 'no-tools');
    await mkdir(emptyPath, { recursive: true });
    await expect(storeJob([await widthPage(1)], settingsFor('pdf', { resolution: 72 }), { ocr: { language: 'eng' } }, emptyPath)).rejects.toMatchObject({
      code: 'Unsupported',
      message: expect.stringContaining('OCRmyPDF is not installed (Debian/Ubuntu: apt install ocrmypdf'),
    });
    await expect(storeJob([await widthPage(1)], settingsFor('pdf', { resolution: 72 }), { ocr: { language: 'eng; rm -rf /' } })).rejects.toMatchObject({ code: 'InvalidRequest' });
  });
});

describe('multi-page TIFF', () => {
  it('joins all pages into one TIFF (bitonal pages as CCITT G4)', async () => {
    const { result } = await storeJob([await widthPage(1), await widthPage(2), await widthPage(3)], settingsFor('tiff', { resolution: 72, color_mode: 'bw' }), { multipageTiff: true });
    expect(result.stored).toHaveLength(1);
    expect(result.stored[0]).toMatchObject({ format: 'tiff', pages: 3 });
    const info = run('tiffinfo', [result.stored[0]!.path]);
    expect(info.match(/TIFF Directory/g)).toHaveLength(3);
    expect(info).toMatch(/CCITT Group 4/);
    expect(info).toMatch(/Resolution: 72, 72 pixels\/inch/);
    expect((await sharp(result.stored[0]!.path, { page: 2 }).metadata()).width).toBe(130);
  });

  it('says what to install when tiffcp is missing', async () => {
    const emptyPath = join(root, 'no-tools');
    await mkdir(emptyPath, { recursive: true });
    await expect(storeJob([await widthPage(1), await widthPage(2)], settingsFor('tiff', { resolution: 72 }), { multipageTiff: true }, emptyPath)).rejects.toMatchObject({ code: 'Unsupported', message: expect.stringContaining('libtiff-tools') });
  });
});

describe('device PDF pages', () => {
  /** A one-page PDF like a device sends, made by pdf-lib. */
  async function devicePdf(widthPt: number): Promise<Buffer> {
    const pdf = await PDFDocument.create();
    const image = await pdf.embedJpg(await widthPage(1));
    pdf.addPage([widthPt, 300]).drawImage(image, { x: 0, y: 0, width: widthPt, height: 300 });
    return Buffer.from(await pdf.save());
  }

  it.each([
    ['qpdf', undefined],
    ['pdf-lib (no qpdf on PATH)', 'no-tools'],
  ])('merges them in reading order with metadata via %s', async (_, tools) => {
    const toolPath = tools === undefined ? undefined : join(root, tools);
    if (toolPath !== undefined) await mkdir(toolPath, { recursive: true });
    const pages = await Promise.all([200, 210, 220, 230].map(devicePdf)); // f1 f2 b1 b2
    const { result } = await storeJob(pages, settingsFor('pdf', { resolution: 72 }), { duplexOrder: 'fronts-then-backs', metadata: { title: 'Bündel' } }, toolPath);
    const path = result.stored[0]!.path;
    expect(await pageWidths(path)).toEqual([200, 220, 210, 230]);
    expect(run('pdfinfo', [path])).toMatch(/Title:\s+Bündel[\s\S]*Creator:\s+Office Scanner[\s\S]*Pages:\s+4/);
    run('qpdf', ['--check', path]);
  });

  it('reads trailers and refuses files without one', () => {
    expect(parseTrailer('xref\n0 1\ntrailer\n<< /Size 7 /Root 1 0 R /ID [<ab> <cd>] >>\nstartxref\n1234\n%%EOF\n')).toEqual({ size: 7, root: '1 0 R', startxref: 1234, id: '[<ab> <cd>]' });
    expect(() => parseTrailer('garbage')).toThrow(/no classic trailer/);
    expect(() => parseTrailer('trailer << /Root 1 0 R >> startxref 5 %%EOF')).toThrow(/lacks \/Size/);
  });
});
