/**
 * PDF jobs are written while their pages arrive (src/storage/live-pdf.ts): JPEG pages go from the
 * device stream into the PDF once, other pages are embedded in their place at the end, a page that
 * fails mid-stream is cut off so the pages before it still make a valid PDF.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PDFDocument } from 'pdf-lib';
import { createJobStorage } from '../../src/storage/job-storage.js';
import { createFolderTarget } from '../../src/storage/folder/folder-target.js';
import { makeImage, makeTempDir, pageFrom, run, settingsFor, silentLogger } from './helpers.js';
import { ScanError } from '../../src/core/errors.js';

let root: string;
let cleanup: () => Promise<void>;
let n = 0;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('scan2mqtt-live-pdf-'));
});
afterAll(() => cleanup());

function begin(maxPageBytes?: number) {
  const id = ++n;
  const spoolFolder = join(root, `spool-${id}`);
  const folder = join(root, `out-${id}`);
  const session = createJobStorage({ spoolFolder, logger: silentLogger, ...(maxPageBytes ? { maxPageBytes } : {}) }).begin({ jobId: `live${id}`, scannerId: 'office', scannerName: 'Office', settings: settingsFor('pdf', { resolution: 100 }), createdAt: new Date() });
  return { session, spoolFolder, target: createFolderTarget({ folder, logger: silentLogger }) };
}

function failingPage(head: Buffer, index: number) {
  let sent = false;
  const data = new Readable({
    read() {
      if (sent) this.destroy(new Error('socket hang up'));
      else this.push(head);
      sent = true;
    },
  });
  return { index, data, resolution: 100 };
}

/** The ScanError `work` rejects with. */
async function scanErrorOf(work: () => Promise<unknown>): Promise<ScanError> {
  const error: unknown = await work().then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ScanError);
  return error as ScanError;
}

const pageSizes = (path: string, pages: number) => [...run('pdfinfo', ['-f', '1', '-l', String(pages), path]).matchAll(/^Page\s+\d+ size:\s+([\d.]+ x [\d.]+) pts/gm)].map((m) => m[1]);
const qpdfCheck = (path: string) => run('qpdf', ['--check', path]);

describe('a PDF written while its pages arrive', () => {
  it('takes JPEG pages into the PDF without a spool file; the image streams are the device bytes', async () => {
    const { session, spoolFolder, target } = begin();
    const jpegs = [await makeImage(200, 300, 'jpeg'), await makeImage(300, 200, 'jpeg')];
    for (const [i, jpeg] of jpegs.entries()) await session.addPage(pageFrom(jpeg, i + 1, { resolution: 100 }));
    const [jobDir] = await readdir(spoolFolder);
    expect(await readdir(join(spoolFolder, jobDir ?? ''))).toEqual(['document.pdf']);
    const [stored] = await session.finish([target]);
    const path = stored?.path ?? '';
    expect(qpdfCheck(path)).toMatch(/No syntax or stream encoding errors/);
    expect(pageSizes(path, 2)).toEqual(['144 x 216', '216 x 144']);
    const images = join(root, `images-${n}`);
    execFileSync('mkdir', ['-p', images]);
    run('pdfimages', ['-all', path, join(images, 'im')]);
    const extracted = (await readdir(images)).sort();
    expect(extracted).toEqual(['im-000.jpg', 'im-001.jpg']);
    for (const [i, name] of extracted.entries()) expect((await readFile(join(images, name))).equals(jpegs[i] as Buffer)).toBe(true);
    expect(await readdir(spoolFolder)).toEqual([]);
  });

  it('embeds a PNG page between JPEG pages in its place', async () => {
    const { session, target } = begin();
    await session.addPage(pageFrom(await makeImage(100, 100, 'jpeg'), 1, { resolution: 100 }));
    await session.addPage(pageFrom(await makeImage(200, 100, 'png'), 2, { resolution: 100 }));
    await session.addPage(pageFrom(await makeImage(100, 300, 'jpeg'), 3, { resolution: 100 }));
    const [stored] = await session.finish([target]);
    expect(pageSizes(stored?.path ?? '', 3)).toEqual(['72 x 72', '144 x 72', '72 x 216']);
    expect((await PDFDocument.load(await readFile(stored?.path ?? ''))).getPageCount()).toBe(3);
  });

  it('cuts off a page whose stream fails mid-page: the complete pages before it make a valid PDF', async () => {
    const { session, target } = begin();
    const jpeg = await makeImage(400, 300, 'jpeg');
    await session.addPage(pageFrom(jpeg, 1, { resolution: 100 }));
    const progress: number[] = [];
    const error = await scanErrorOf(() => session.addPage(failingPage(jpeg.subarray(0, 1000), 2), (bytes) => progress.push(bytes)));
    expect(error.code).toBe('DeviceError');
    expect(error.message).toMatch(/page 2 stream failed: socket hang up/);
    expect(progress).toEqual([1000]);
    const [stored] = await session.finish([target]);
    expect(qpdfCheck(stored?.path ?? '')).toMatch(/No syntax or stream encoding errors/);
    expect(pageSizes(stored?.path ?? '', 2)).toEqual(['288 x 216']);
  });

  it('refuses a page over the byte limit and keeps the pages before it', async () => {
    const small = await makeImage(50, 50, 'jpeg');
    const { session, target } = begin(small.length + 10);
    await session.addPage(pageFrom(small, 1, { resolution: 100 }));
    expect((await scanErrorOf(async () => session.addPage(pageFrom(await makeImage(800, 800, 'jpeg'), 2, { resolution: 100 })))).message).toMatch(/byte limit/);
    const [stored] = await session.finish([target]);
    expect(pageSizes(stored?.path ?? '', 2)).toEqual(['36 x 36']);
  });

  it('a device PDF after JPEG pages is refused as a mixed job, leaving nothing behind', async () => {
    const { session, spoolFolder, target } = begin();
    await session.addPage(pageFrom(await makeImage(50, 50, 'jpeg'), 1, { resolution: 100 }));
    const doc = await PDFDocument.create();
    doc.addPage([100, 100]);
    await session.addPage(pageFrom(await doc.save(), 2));
    await expect(session.finish([target])).rejects.toMatchObject({ code: 'Unsupported' });
    expect(await readdir(spoolFolder)).toEqual([]);
  });

  it('a JPEG whose head is cut off before its frame header is spooled, and fails when the document is built', async () => {
    const { session, spoolFolder, target } = begin();
    await session.addPage(pageFrom(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]), 1, { resolution: 100 }));
    await expect(session.finish([target])).rejects.toMatchObject({ code: 'ProtocolError' });
    expect(await readdir(spoolFolder)).toEqual([]);
  });
});
