import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeliveryQueue, type PendingDelivery } from '../../src/storage/delivery/delivery-queue.js';
import { DeliveryError } from '../../src/storage/delivery/delivery-error.js';
import { backoffDelay } from '../../src/storage/delivery/backoff.js';
import { parseOutboxRecord } from '../../src/storage/delivery/outbox.js';
import { createJobStorage } from '../../src/storage/job-storage.js';
import { createFolderTarget } from '../../src/storage/folder/folder-target.js';
import { createPaperlessTarget } from '../../src/storage/targets/paperless-target.js';
import { createWebdavTarget } from '../../src/storage/targets/webdav-target.js';
import type { DeliveryContext, OutputDocument, StorageTarget } from '../../src/storage/target.js';
import { PaperlessServer } from '../sim/paperless/paperless-server.js';
import { makeImage, makeTempDir, pageFrom, settingsFor, silentLogger } from './helpers.js';
import { freePort, startWebdav } from './servers.js';

let root: string;
let cleanup: () => Promise<void>;
let doc: OutputDocument;
let docBytes: Buffer;
const ctx: DeliveryContext = { jobId: 'job-1', scannerId: 'office', scannerName: 'Office', createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) };
const fast = { minMs: 20, maxMs: 200 };
let n = 0;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('scan2mqtt-delivery-'));
  docBytes = await makeImage(200, 300, 'jpeg');
  doc = { path: join(root, 'doc.jpg'), format: 'jpeg', extension: 'jpg', mimeType: 'image/jpeg', firstPage: 1, pages: 1, bytes: docBytes.length };
  await writeFile(doc.path, docBytes);
});
afterAll(() => cleanup());

/** A queue over a fresh (or given) outbox folder whose deliveries are reported through a promise. */
function makeQueue(targets: StorageTarget[], folder = join(root, `outbox-${++n}`)) {
  const delivered: PendingDelivery[] = [];
  const waiters: Array<() => void> = [];
  const queue = new DeliveryQueue({
    folder,
    resolveTarget: (name) => targets.find((t) => t.name === name),
    logger: silentLogger,
    backoff: fast,
    onDelivered: (d) => {
      delivered.push(d);
      waiters.splice(0).forEach((w) => w());
    },
  });
  const nextDelivery = () => new Promise<void>((resolve) => waiters.push(resolve));
  return { queue, folder, delivered, nextDelivery };
}

describe('backoff', () => {
  it('doubles from min and stops at max', () => {
    expect([1, 2, 3, 4, 10, 1000].map((a) => backoffDelay(a, { minMs: 1000, maxMs: 5000 }))).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
  });
});

describe('delivery queue', () => {
  it('delivers at once when the target is up, keeping nothing', async () => {
    const calls: string[] = [];
    const target: StorageTarget = { name: 't', deliver: async (d) => (calls.push(d.path), [{ path: 'x', format: 'jpeg', bytes: 1, pages: 1 }]) };
    const { queue, folder } = makeQueue([target]);
    await queue.start();
    expect(await queue.submit(doc, target, ctx)).toMatchObject({ status: 'delivered', stored: [{ path: 'x' }] });
    expect(queue.list()).toEqual([]);
    await expect(readdir(folder)).rejects.toThrow(/ENOENT/);
    await queue.stop();
  });

  it('paperless down: spooled to disk, then delivered by a NEW queue instance after a restart, exactly once', async () => {
    const server = new PaperlessServer('tok');
    const url = await server.start();
    server.faults.failUploads = 1000;
    const target = createPaperlessTarget({ name: 'pl', type: 'paperless', url, token: 'tok' }, { logger: silentLogger });
    const first = makeQueue([target]);
    // Not started: a gateway that is shutting down still keeps what it was given.
    const outcome = await first.queue.submit(doc, target, ctx);
    expect(outcome).toMatchObject({ status: 'spooled', error: expect.stringContaining('HTTP 503') });
    const files = (await readdir(first.folder)).sort();
    expect(files).toHaveLength(2);
    const record = parseOutboxRecord(JSON.parse(await readFile(join(first.folder, files.find((f) => f.endsWith('.json'))!), 'utf8')));
    expect(record).toMatchObject({ target: 'pl', state: 'pending', attempts: 1, context: { jobId: 'job-1' } });
    expect(first.queue.list()).toEqual([expect.objectContaining({ target: 'pl', jobId: 'job-1', attempts: 1, state: 'pending' })]);
    await first.queue.stop();

    server.faults.failUploads = 2; // two more failed attempts after the restart, then it works
    const second = makeQueue([target], first.folder);
    const done = second.nextDelivery();
    await second.queue.start();
    await done;
    expect(server.documents).toHaveLength(1);
    expect(server.documents[0]!.bytes.equals(docBytes)).toBe(true);
    expect(second.delivered[0]).toMatchObject({ target: 'pl', attempts: 4 });
    expect(await readdir(first.folder)).toEqual([]);
    await second.queue.stop();
    await server.stop();
  });

  it('WebDAV server down and back: every document arrives exactly once', async () => {
    const share = join(root, 'dav');
    await mkdir(join(share, 'scans'), { recursive: true });
    const port = await freePort();
    const target = createWebdavTarget({ name: 'nas', type: 'webdav', url: `http://127.0.0.1:${port}/scans`, username: 'u', password: 'p' }, { logger: silentLogger });
    const { queue, delivered, nextDelivery } = makeQueue([target]);
    await queue.start();
    const docs: OutputDocument[] = [];
    for (let i = 1; i <= 3; i++) {
      const path = join(root, `dav-${i}.jpg`);
      await writeFile(path, Buffer.concat([docBytes, Buffer.from([i])]));
      docs.push({ ...doc, path, firstPage: i, bytes: docBytes.length + 1 });
    }
    expect((await queue.submit(docs[0]!, target, ctx)).status).toBe('spooled');
    expect((await queue.submit(docs[1]!, target, ctx)).status).toBe('spooled');
    const server = await startWebdav(share, 'u', 'p', port);
    try {
      const third = await queue.submit(docs[2]!, target, ctx);
      expect(third, JSON.stringify(third)).toMatchObject({ status: 'delivered' });
      while (delivered.length < 2) await nextDelivery();
      const stored = await readdir(join(share, 'scans', 'office'));
      expect(stored).toHaveLength(3);
      for (const [i, name] of stored.sort().entries()) expect((await readFile(join(share, 'scans', 'office', name))).at(-1)).toBe(i + 1);
      expect(queue.list()).toEqual([]);
    } finally {
      await queue.stop();
      await server.stop();
    }
  });

  it('a permanent failure is kept as failed (no retries) until the operator retries or drops it', async () => {
    let fail = true;
    const stored: string[] = [];
    const target: StorageTarget = {
      name: 'picky',
      deliver: async (d) => {
        if (fail) throw new DeliveryError('HTTP 401 (check the token)', false);
        stored.push(await readFile(d.path, 'latin1'));
        return [];
      },
    };
    const { queue, folder } = makeQueue([target]);
    await queue.start();
    const outcome = await queue.submit(doc, target, ctx);
    expect(outcome).toMatchObject({ status: 'failed', error: 'HTTP 401 (check the token)' });
    const [pending] = queue.list();
    expect(pending).toMatchObject({ state: 'failed', attempts: 1 });
    expect(pending?.nextAttemptAt).toBeUndefined();
    fail = false;
    await queue.retry(pending!.id);
    expect(stored).toHaveLength(1);
    expect(queue.list()).toEqual([]);
    fail = true;
    const again = await queue.submit(doc, target, ctx);
    expect(again.status).toBe('failed');
    await queue.drop(queue.list()[0]!.id);
    expect(await readdir(folder)).toEqual([]);
    await expect(queue.drop('nope')).rejects.toMatchObject({ code: 'NotFound' });
    await queue.stop();
  });

  it('ignores hostile and broken outbox files without crashing', async () => {
    const folder = join(root, 'hostile');
    await mkdir(folder);
    await writeFile(join(folder, 'a.json'), '{ not json');
    await writeFile(join(folder, 'b.json'), JSON.stringify({ id: '../../etc', target: 't', state: 'pending', attempts: 1, document: { file: '../../etc/passwd' }, context: {} }));
    await writeFile(join(folder, 'c.json'), 'x'.repeat(200_000));
    await writeFile(join(folder, 'd.json'), 'null');
    const { queue } = makeQueue([], folder);
    await queue.start();
    expect(queue.list()).toEqual([]);
    await queue.stop();
    expect(() => parseOutboxRecord({ id: 'a', target: 't', state: 'pending', attempts: 1, document: { file: 'b.pdf', bytes: 1, pages: 1, mimeType: 'x' }, context: { jobId: 'j', createdAt: 'x' } })).toThrow();
  });
});

describe('job storage with the delivery queue', () => {
  it('a job is done when one target delivered and another spooled; the summary says which', async () => {
    const folder = join(root, 'job-out');
    const down: StorageTarget = { name: 'remote', deliver: async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) };
    const local = createFolderTarget({ folder, logger: silentLogger });
    const { queue } = makeQueue([down, local]);
    const session = createJobStorage({ spoolFolder: join(root, 'job-spool'), logger: silentLogger }).begin({ jobId: 'j9', scannerId: 'office', scannerName: 'Office', settings: settingsFor('pdf'), createdAt: new Date() });
    await session.addPage(pageFrom(await makeImage(100, 140, 'jpeg'), 1, { resolution: 100 }));
    const result = await session.finishJob([local, down], queue);
    expect(result.targets.map((t) => [t.target, t.status])).toEqual([
      [local.name, 'delivered'],
      ['remote', 'spooled'],
    ]);
    expect(result.targets[1]).toMatchObject({ error: expect.stringContaining('ECONNREFUSED'), outbox: [expect.any(String)], next_attempt_at: expect.any(String) });
    expect(result.stored).toHaveLength(1);
    expect(queue.list()).toHaveLength(1);
    await queue.stop();
  });

  it('a permanent failure fails the job with a message naming the target, and the document stays in the outbox', async () => {
    const denied: StorageTarget = { name: 'paperless', deliver: async () => Promise.reject(new DeliveryError('HTTP 403 (check the token)', false)) };
    const { queue } = makeQueue([denied]);
    const session = createJobStorage({ spoolFolder: join(root, 'job-spool2'), logger: silentLogger }).begin({ jobId: 'j10', scannerId: 'office', scannerName: 'Office', settings: settingsFor('jpeg'), createdAt: new Date() });
    await session.addPage(pageFrom(await makeImage(100, 140, 'jpeg'), 1, { resolution: 100 }));
    await expect(session.finishJob([denied], queue)).rejects.toMatchObject({ code: 'StorageFailed', message: expect.stringMatching(/^delivery failed: paperless: HTTP 403 \(check the token\) \(kept in the outbox as /) });
    expect(queue.list()).toEqual([expect.objectContaining({ state: 'failed', target: 'paperless' })]);
  });
});
