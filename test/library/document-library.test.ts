/**
 * The Library over a real storage folder: it lists what the history stored and is still there,
 * renders pages (cached, bounded), deletes, sends again; a hostile history entry cannot make it
 * read or delete outside the folder.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobHistoryEntry } from '../../src/core/gateway-api.js';
import type { StoredFile } from '../../src/core/job.js';
import { createDocumentLibrary } from '../../src/library/document-library.js';
import { createPageRenders } from '../../src/library/page-renders.js';
import { DeliveryQueue } from '../../src/storage/delivery/delivery-queue.js';
import type { StorageTarget } from '../../src/storage/target.js';
import { createTargetSet } from '../../src/storage/target-set.js';

let dir: string;
let folder: string;
let entries: JobHistoryEntry[];
const logger = pino({ level: 'silent' });
const received: string[] = [];
const sink: StorageTarget = { name: 'copy', deliver: async (doc) => (received.push(await readFile(doc.path, 'utf8').catch(() => 'binary')), []) };

const entry = (id: string, stored: StoredFile[]): JobHistoryEntry => ({ id, scanner: 'office', state: 'done', pages: 1, files: stored.map((s) => s.path), stored, created_at: '2026-01-01T00:00:00Z' });
const make = () =>
  createDocumentLibrary({
    storageFolder: folder,
    history: () => entries,
    targets: createTargetSet([sink], { name: 'folder:x', deliver: async () => [] }),
    targetNames: () => ['copy'],
    deliveries: new DeliveryQueue({ folder: join(dir, 'outbox'), resolveTarget: () => sink, logger, backoff: { minMs: 1000, maxMs: 2000 } }),
    logger,
  });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'library-'));
  folder = join(dir, 'scans');
  await mkdir(join(folder, 'office'), { recursive: true });
  await sharp({ create: { width: 400, height: 560, channels: 3, background: '#3366aa' } }).png().toFile(join(folder, 'office', 'a.png'));
  await writeFile(join(dir, 'secret.txt'), 'secret');
  entries = [
    entry('j2', [{ path: join(folder, 'office', 'a.png'), location: 'office/a.png', format: 'png', bytes: 1, pages: 1 }]),
    entry('j1', [{ path: join(folder, 'office', 'gone.pdf'), location: 'office/gone.pdf', format: 'pdf', bytes: 1, pages: 1 }]),
    entry('evil', [
      { path: join(dir, 'secret.txt'), location: '../secret.txt', format: 'png', bytes: 1, pages: 1 },
      { path: '/etc/passwd', location: '/etc/passwd', format: 'png', bytes: 1, pages: 1 },
      { path: 'https://paperless/doc/1', format: 'pdf', bytes: 1, pages: 1 },
    ]),
  ];
  received.length = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('document library', () => {
  it('lists only documents inside the folder that still exist, newest first', async () => {
    expect((await make().list()).map((d) => [d.id, d.location])).toEqual([['j2~0', 'office/a.png']]);
  });

  it('renders a page as a JPEG of the size asked for, and refuses pages out of range', async () => {
    const library = make();
    const thumb = await library.render('j2~0', 1, 'thumb');
    const meta = await sharp(thumb.jpeg).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width).toBe(320);
    await expect(library.render('j2~0', 2, 'thumb')).rejects.toMatchObject({ code: 'InvalidRequest' });
    await expect(library.render('j1~0', 1, 'thumb')).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('never reads or deletes outside the folder, whatever the history says', async () => {
    const library = make();
    for (const id of ['evil~0', 'evil~1', 'evil~2', 'nothing', '~', '../x~0']) {
      await expect(library.file(id), id).rejects.toMatchObject({ code: expect.stringMatching(/NotFound|InvalidRequest/) });
      expect(await library.remove(id).catch(() => false), id).toBe(false);
    }
    expect(await readFile(join(dir, 'secret.txt'), 'utf8')).toBe('secret');
  });

  it('deletes a document from the folder; it then leaves the list', async () => {
    const library = make();
    expect(await library.remove('j2~0')).toBe(true);
    expect(await library.list()).toEqual([]);
    expect(await library.remove('j2~0')).toBe(false);
  });

  it('sends a document again to a named target, and refuses an unknown one', async () => {
    const library = make();
    expect(await library.resend('j2~0', 'copy')).toEqual({ target: 'copy', status: 'delivered' });
    expect(received).toHaveLength(1);
    await expect(library.resend('j2~0', 'nope')).rejects.toMatchObject({ code: 'NotFound' });
  });
});

describe('page render cache', () => {
  it('keeps renders within its byte bound, dropping the oldest', async () => {
    const path = join(dir, 'scans', 'office', 'a.png');
    const renders = createPageRenders(60_000);
    const one = await renders.render({ path, format: 'png', mtimeMs: 1, page: 1, size: 'page' });
    expect(renders.cachedBytes).toBe(one.length);
    expect(await renders.render({ path, format: 'png', mtimeMs: 1, page: 1, size: 'page' })).toBe(one);
    for (let m = 2; m < 40; m += 1) await renders.render({ path, format: 'png', mtimeMs: m, page: 1, size: 'thumb' });
    expect(renders.cachedBytes).toBeLessThanOrEqual(60_000);
    renders.forget(path);
    expect(renders.cachedBytes).toBe(0);
  });
});
