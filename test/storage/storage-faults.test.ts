/**
 * Storage faults that neither lose nor hide pages: a full disk is retried, a job event lists
 * every file that reached its final name even when the job fails, and the free-space floor.
 * The tmpfs cases NEED ROOT (they mount a real small file system) and are skipped otherwise.
 */
import { access, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartlyStoredError, ScanError } from '../../src/core/errors.js';
import { ScanJob } from '../../src/jobs/scan-job.js';
import { DeliveryQueue } from '../../src/storage/delivery/delivery-queue.js';
import { DeliveryError, isRetryable } from '../../src/storage/delivery/delivery-error.js';
import { createFolderTarget } from '../../src/storage/folder/folder-target.js';
import { checkFreeSpace } from '../../src/storage/free-space.js';
import { createJobStorage } from '../../src/storage/job-storage.js';
import { storageFailure } from '../../src/storage/storage-errors.js';
import type { StorageTarget } from '../../src/storage/target.js';
import { CAN_MOUNT, mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';
import { makeImage, makeTempDir, pageFrom, settingsFor, silentLogger } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
let n = 0;

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('scan2mqtt-faults-'));
});
afterAll(() => cleanup());

const errno = (code: string) => Object.assign(new Error(`${code}: failed`), { code });
const queueIn = (targets: StorageTarget[], folder = join(root, `outbox-${++n}`)) =>
  new DeliveryQueue({ folder, resolveTarget: (name) => targets.find((t) => t.name === name), logger: silentLogger, backoff: { minMs: 60_000, maxMs: 60_000 } });

/** A two-page JPEG job (one document per page) with its pages spooled. */
async function twoPageJob(jobId: string) {
  const session = createJobStorage({ spoolFolder: join(root, `spool-${++n}`), logger: silentLogger }).begin({ jobId, scannerId: 'office', scannerName: 'Office', settings: settingsFor('jpeg'), createdAt: new Date() });
  for (const index of [1, 2]) await session.addPage(pageFrom(await makeImage(120, 160, 'jpeg'), index, { resolution: 100 }));
  return session;
}

describe('which storage failures pass', () => {
  it.each(['ENOSPC', 'EDQUOT'])('%s is retried, also wrapped as StorageFailed by the folder target', (code) => {
    expect(isRetryable(errno(code))).toBe(true);
    expect(isRetryable(storageFailure(errno(code), '/scans/a.jpg'))).toBe(true);
  });

  it('permission denied and permanent delivery errors still wait for the operator', () => {
    expect(isRetryable(storageFailure(errno('EACCES'), '/scans/a.jpg'))).toBe(false);
    expect(isRetryable(new ScanError('InvalidRequest', 'bad name'))).toBe(false);
    expect(isRetryable(new DeliveryError('HTTP 403', false))).toBe(false);
  });
});

describe('a failed job lists what was stored', () => {
  it('one target stored, another refused for good: the failed event lists the stored files and both targets', async () => {
    const local = createFolderTarget({ folder: join(root, 'kept'), logger: silentLogger });
    const denied: StorageTarget = { name: 'paperless', deliver: async () => Promise.reject(new DeliveryError('HTTP 403 (check the token)', false)) };
    const session = await twoPageJob('j-denied');
    const error = await session.finishJob([local, denied], queueIn([local, denied])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartlyStoredError);

    const job = new ScanJob({ scannerId: 'office', scannerName: 'Office', settings: settingsFor('jpeg'), trigger: 'command' });
    job.transition('scanning');
    job.fail(error);
    const event = job.event;
    expect(event.state).toBe('failed');
    expect(event.error).toMatchObject({ code: 'StorageFailed', message: expect.stringContaining('paperless: HTTP 403') });
    expect(event.files).toHaveLength(2);
    for (const file of event.files) await access(file);
    expect(event.targets).toEqual([
      { target: local.name, status: 'delivered' },
      expect.objectContaining({ target: 'paperless', status: 'failed', outbox: [expect.any(String), expect.any(String)] }),
    ]);
  });

  it('when even the outbox cannot take a document, the documents stored before it are still listed', async () => {
    const local = createFolderTarget({ folder: join(root, 'kept-2'), logger: silentLogger });
    const down: StorageTarget = { name: 'nas', deliver: async () => Promise.reject(errno('ECONNREFUSED')) };
    const blocked = join(root, 'outbox-is-a-file');
    await writeFile(blocked, 'not a folder');
    const session = await twoPageJob('j-no-outbox');
    const error = await session.finishJob([local, down], queueIn([local, down], blocked)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartlyStoredError);
    const { result } = error as PartlyStoredError;
    expect(result.stored).toHaveLength(2);
    expect(result.targets).toEqual([
      { target: local.name, status: 'delivered' },
      expect.objectContaining({ target: 'nas', status: 'failed', error: expect.stringContaining('outbox') }),
    ]);
  });
});

describe.skipIf(!CAN_MOUNT)('on a real full disk (needs root: mounts tmpfs)', () => {
  let disk: Tmpfs;
  beforeAll(async () => {
    disk = await mountTmpfs(4);
  });
  afterAll(() => disk?.unmount());

  it('a page that meets a full folder waits in the outbox as pending and arrives once space is freed', async () => {
    const folder = createFolderTarget({ folder: disk.path, logger: silentLogger });
    const queue = queueIn([folder]);
    await disk.fillLeaving(0);
    const session = await twoPageJob('j-full');
    const result = await session.finishJob([folder], queue);
    expect(result.targets).toEqual([expect.objectContaining({ status: 'spooled', error: expect.stringContaining('disk full') })]);
    expect(queue.list().map((d) => d.state)).toEqual(['pending', 'pending']);

    await disk.unfill();
    const retried = await queue.retryAll();
    expect(retried.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(await readdir(join(disk.path, 'office'))).toHaveLength(2);
    expect(queue.list()).toEqual([]);
    await queue.stop();
  });

  it('the free-space floor refuses below it and allows at it (exact on a 4 MiB tmpfs)', async () => {
    await disk.unfill();
    await rm(join(disk.path, 'office'), { recursive: true, force: true });
    expect(await disk.freeBytes()).toBe(4 * 1024 * 1024);
    await expect(checkFreeSpace(disk.path, 4)).resolves.toBeUndefined();
    await expect(checkFreeSpace(join(disk.path, 'not', 'made', 'yet'), 4)).resolves.toBeUndefined();
    await expect(checkFreeSpace(disk.path, 5)).rejects.toMatchObject({ code: 'InsufficientStorage', message: expect.stringMatching(/^only 4\.0 MB free on .*storage\.min_free_mb = 5\)$/) });
    await expect(checkFreeSpace(disk.path, 0)).resolves.toBeUndefined();
  });
});
