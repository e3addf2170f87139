/** Finding the JPEG of a PDF's last page: the gateway's own PDFs (also after an info update), other PDFs and hostile files give undefined. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { degrees, PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPdfWriter, type PdfImage } from '../../src/storage/documents/pdf-writer.js';
import { lastPageJpeg, objectBody, parseXrefSection } from '../../src/storage/documents/pdf-last-jpeg.js';
import { updatePdfInfo } from '../../src/storage/documents/pdf-info-update.js';
import { makePreview, PREVIEW_WIDTH_PX } from '../../src/jobs/preview.js';

let dir: string;
let jpegs: Buffer[];
let ours: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pdf-last-jpeg-'));
  jpegs = await Promise.all(['#ff0000', '#00ff00', '#0000ff'].map((c, i) => sharp({ create: { width: 120 + i * 10, height: 90, channels: 3, background: c } }).jpeg().toBuffer()));
  ours = join(dir, 'ours.pdf');
  await writeOurs(ours, jpegs);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function writeOurs(path: string, pages: Buffer[], last?: PdfImage): Promise<void> {
  const writer = await createPdfWriter(path, { producer: 'test', createdAt: new Date(0) });
  for (const jpeg of pages) {
    const meta = await sharp(jpeg).metadata();
    await writer.addImagePage({ width: meta.width!, height: meta.height!, colorSpace: 'DeviceRGB', bitsPerComponent: 8, filter: 'DCTDecode', data: (async function* () { yield jpeg; })() }, { widthPt: 100, heightPt: 100 });
  }
  if (last) await writer.addImagePage(last, { widthPt: 100, heightPt: 100 });
  await writer.close();
}

async function bytesAt(path: string, range: { offset: number; length: number }): Promise<Buffer> {
  return (await readFile(path)).subarray(range.offset, range.offset + range.length);
}

describe('the JPEG of a PDF’s last page', () => {
  it('is found in a PDF the gateway wrote (its /Length an object of its own)', async () => {
    const range = await lastPageJpeg(ours);
    expect(range).toBeDefined();
    expect((await bytesAt(ours, range!)).equals(jpegs[2]!)).toBe(true);
  });

  it('is found after the document information was updated (a second xref section with /Prev)', async () => {
    const updated = join(dir, 'updated.pdf');
    await writeFile(updated, await readFile(ours));
    await updatePdfInfo(updated, { producer: 'test', createdAt: new Date(0), title: 'Invoice stream\nendobj' });
    const range = await lastPageJpeg(updated);
    expect((await bytesAt(updated, range!)).equals(jpegs[2]!)).toBe(true);
  });

  it('is not claimed for a last page that is not a JPEG (a Flate image)', async () => {
    const mixed = join(dir, 'mixed.pdf');
    const flate = { width: 2, height: 2, colorSpace: 'DeviceGray' as const, bitsPerComponent: 8 as const, filter: 'FlateDecode' as const, data: (async function* () { yield Buffer.from([0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]); })() };
    await writeOurs(mixed, jpegs.slice(0, 1), flate);
    expect(await lastPageJpeg(mixed)).toBeUndefined();
  });

  it('gives undefined for PDFs of other writers it cannot read simply (pdf-lib with object streams, scanimage’s broken xref), and finds pdf-lib’s classic one', async () => {
    const lib = await PDFDocument.create();
    const image = await lib.embedJpg(jpegs[1]!);
    lib.addPage([100, 100]).drawImage(image, { x: 0, y: 0, width: 100, height: 100 });
    const streams = join(dir, 'pdf-lib-streams.pdf');
    await writeFile(streams, await lib.save({ useObjectStreams: true }));
    expect(await lastPageJpeg(streams)).toBeUndefined();
    const classic = join(dir, 'pdf-lib-classic.pdf');
    await writeFile(classic, await lib.save({ useObjectStreams: false }));
    const range = await lastPageJpeg(classic);
    expect(range).toBeDefined();
    expect((await bytesAt(classic, range!)).equals(jpegs[1]!)).toBe(true);
    // The same page turned: its JPEG is not what the page shows.
    lib.getPage(0).setRotation(degrees(90));
    const turned = join(dir, 'pdf-lib-turned.pdf');
    await writeFile(turned, await lib.save({ useObjectStreams: false }));
    expect(await lastPageJpeg(turned)).toBeUndefined();
  });

  it('never throws on scanimage’s own PDF (its xref entries are off, poppler says), and the preview of it still works', async () => {
    const conf = await mkdtemp(join(dir, 'sane-'));
    await writeFile(join(conf, 'dll.conf'), 'test\n');
    const pdf = join(dir, 'scanimage.pdf');
    try {
      execFileSync('scanimage', ['-d', 'test:0', '--mode', 'Color', '--resolution', '50', '-x', '40', '-y', '30', '--format=pdf', '-o', pdf], { env: { ...process.env, SANE_CONFIG_DIR: conf }, stdio: 'ignore' });
    } catch {
      return; // no scanimage here: the hostile cases below still run
    }
    const range = await lastPageJpeg(pdf);
    if (range) expect((await bytesAt(pdf, range)).subarray(0, 2).equals(Buffer.from([0xff, 0xd8]))).toBe(true);
    const preview = await makePreview([{ path: pdf, format: 'pdf', pages: 1, bytes: 1 }]);
    expect((await sharp(preview!).metadata()).format).toBe('jpeg');
  });

  it('makes the preview of the gateway’s PDF from its JPEG, without poppler', async () => {
    const big = join(dir, 'big.pdf');
    await writeOurs(big, [await sharp({ create: { width: 1700, height: 2200, channels: 3, background: '#d0e0f0' } }).jpeg().toBuffer()]);
    const path = process.env.PATH;
    process.env.PATH = ''; // no pdftoppm to fall back on
    try {
      const preview = await makePreview([{ path: big, format: 'pdf', pages: 1, bytes: 1 }]);
      const meta = await sharp(preview!).metadata();
      expect([meta.format, meta.width]).toEqual(['jpeg', PREVIEW_WIDTH_PX]);
      // A PDF it cannot read simply needs pdftoppm, absent here: no preview, no error.
      const lib = await PDFDocument.create();
      lib.addPage([100, 100]).drawImage(await lib.embedJpg(jpegs[0]!), { x: 0, y: 0, width: 100, height: 100 });
      const streams = join(dir, 'needs-poppler.pdf');
      await writeFile(streams, await lib.save({ useObjectStreams: true }));
      await expect(makePreview([{ path: streams, format: 'pdf', pages: 1, bytes: 1 }])).resolves.toBeUndefined();
    } finally {
      process.env.PATH = path;
    }
  });

  it('gives undefined, never an error, for every truncation of a PDF and for random damage', async () => {
    const whole = await readFile(ours);
    const cut = join(dir, 'cut.pdf');
    for (const at of [0, 1, 9, 100, whole.length >> 1, whole.length - 200, whole.length - 30, whole.length - 8]) {
      await writeFile(cut, whole.subarray(0, at));
      expect(await lastPageJpeg(cut)).toBeUndefined();
    }
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(whole.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }), async (flips) => {
        const damaged = Buffer.from(whole);
        for (const [at, value] of flips) damaged[at] = value;
        await writeFile(cut, damaged);
        const range = await lastPageJpeg(cut);
        if (range) {
          expect(range.offset + range.length).toBeLessThanOrEqual(damaged.length);
          expect(damaged.subarray(range.offset, range.offset + 2).equals(Buffer.from([0xff, 0xd8]))).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('stops at loops: a /Prev chain pointing at itself and a page tree that contains itself', async () => {
    const loopXref = '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [2 0 R] /Count 1 >>\nendobj\n';
    const xrefAt = loopXref.length;
    const xref = `xref\n0 3\n0000000000 65535 f\r\n0000000009 00000 n\r\n${String(loopXref.indexOf('2 0 obj')).padStart(10, '0')} 00000 n\r\n`;
    const pdf = join(dir, 'loops.pdf');
    await writeFile(pdf, `${loopXref}${xref}trailer\n<< /Size 3 /Root 1 0 R /Prev ${xrefAt} >>\nstartxref\n${xrefAt}\n%%EOF\n`);
    expect(await lastPageJpeg(pdf)).toBeUndefined();
  });

  it('parses xref sections and object bodies, and refuses malformed ones with a clear error', () => {
    const section = parseXrefSection('xref\n0 2\n0000000000 65535 f\r\n0000000015 00000 n\r\n5 1\n0000000999 00000 n\r\ntrailer\n<< /Size 6 /Prev 77 >>');
    expect([...section.offsets]).toEqual([[1, 15], [5, 999]]);
    expect(section.prev).toBe(77);
    expect(() => parseXrefSection('<< /Type /XRef >> stream')).toThrow('no classic xref');
    expect(() => parseXrefSection('xref\n0 2\n0000000000 65535 f\r\ntrailer')).toThrow('bad xref entry');
    expect(objectBody('7 0 obj\n<< /Length 12 >>\nstream\n', 7)).toContain('/Length 12');
    expect(() => objectBody('8 0 obj\n<< >>', 7)).toThrow('not where the xref says');
    expect(() => objectBody('7 0 obj\n<< /Never /Ends', 7)).toThrow('does not end');
  });
});
