/**
 * A full disk loses and hides no page: what fits is stored and listed in the job event, the
 * rest waits in the outbox as `spooled` and arrives once space is freed (after a restart, or
 * at once on `bridge/request/delivery/retry`); a job does not start while the data folder's
 * disk is below the free-space floor.
 *
 * NEEDS ROOT: the full disk is a real tmpfs mounted by the test (skipped for other users).
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/job.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { CAN_MOUNT, mountTmpfs, TMPFS_BLOCK, type Tmpfs } from '../helpers/tmpfs.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';
import { runScan } from './scan-command.js';

const SCANNER = 'office';
const PAGES = 4;
/** Four 150 dpi colour JPEG pages of the simulator fit easily; the filler makes it full. */
const STORAGE_DISK_MIB = 8;
/** A data folder disk below the default 100 MB floor. */
const SMALL_DATA_DISK_MIB = 16;
const JPEG_BATCH = { source: 'adf', resolution: 150, color_mode: 'color', format: 'jpeg' } as const;

let broker: MosquittoBroker;
let sim: EsclSimulator;
let probe: MqttProbe;
let storageDisk: Tmpfs;
let dataFolder: string;
let gateway: GatewayProcess | undefined;
/** Byte sizes of the four pages as stored with room to spare. */
let pageBytes: number[] = [];
/** Free bytes of the storage disk with no scan on it. */
let emptyFree = 0;

/** Every stored file under the storage folder (the filler aside). */
async function storedFiles(): Promise<string[]> {
  const entries = await readdir(storageDisk.path, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => join(e.parentPath, e.name)).sort();
}

async function startTheGateway(env: Record<string, string> = {}): Promise<GatewayProcess> {
  await stopTheGateway();
  const started = await startGateway({
    SCAN2MQTT_MQTT_URL: broker.url,
    SCAN2MQTT_DATA_FOLDER: dataFolder,
    SCAN2MQTT_STORAGE_FOLDER: storageDisk.path,
    SCAN2MQTT_DISCOVERY_MDNS: 'false',
    SCAN2MQTT_POLLING_IDLE_S: '1',
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Office scanner', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
    ...env,
  });
  // The retained availability may be the previous process's: ask this one until it answers with the scanner online.
  const scannerOnline = async () => {
    const answer = await probe.bridgeRequest('devices', {}, { timeoutMs: 1_000 }).catch(() => undefined);
    return (answer?.data?.['devices'] as { id: string; online: boolean }[] | undefined)?.some((d) => d.id === SCANNER && d.online) ?? false;
  };
  await expect.poll(scannerOnline, { timeout: 30_000, interval: 200 }).toBe(true);
  return started;
}

async function stopTheGateway(): Promise<void> {
  await gateway?.stop();
  gateway = undefined;
}

/** Removes every stored file; waits until the space is back (the preview of the last page may still hold one open). */
async function clearStorage(): Promise<void> {
  await storageDisk.unfill();
  await Promise.all((await storedFiles()).map((f) => rm(f)));
  await expect.poll(() => storageDisk.freeBytes(), { timeout: 10_000, interval: 100 }).toBe(emptyFree);
}

/** Scans the batch once with room to spare, to learn how big its pages are (the simulator draws them the same each time). */
async function measurePages(): Promise<void> {
  if (pageBytes.length === PAGES) return;
  sim.loadAdf(PAGES);
  const roomy = await runScan(probe, SCANNER, JPEG_BATCH);
  expect(roomy.final.state).toBe('done');
  expect(roomy.final.files).toHaveLength(PAGES);
  pageBytes = await Promise.all(roomy.final.files.map(async (f) => (await stat(f)).size));
}

/** Leaves room for page 1 and half of page 2: page 1 lands, pages 2-4 hit ENOSPC. */
async function fillAfterFirstPage(): Promise<void> {
  await measurePages();
  await clearStorage();
  const first = Math.ceil(pageBytes[0]! / TMPFS_BLOCK) * TMPFS_BLOCK;
  await storageDisk.fillLeaving(first + Math.floor(pageBytes[1]! / 2));
}

/** Scans the 4-page batch on the nearly full disk and checks the event lists exactly what was stored. */
async function scanOntoFullDisk(): Promise<{ final: JobEvent; outbox: string[] }> {
  await fillAfterFirstPage();
  sim.loadAdf(PAGES);
  const { final } = await runScan(probe, SCANNER, JPEG_BATCH);
  expect(final.state, JSON.stringify(final.error)).toBe('done');
  const onDisk = await storedFiles();
  expect(onDisk).toHaveLength(1);
  expect(final.files).toEqual(onDisk);
  expect(final.stored).toEqual([expect.objectContaining({ path: onDisk[0], pages: 1, bytes: pageBytes[0] })]);
  expect(final.targets).toEqual([expect.objectContaining({ target: `folder:${storageDisk.path}`, status: 'spooled', error: expect.stringMatching(/disk full/) })]);
  const outbox = final.targets?.[0]?.outbox ?? [];
  expect(outbox).toHaveLength(PAGES - 1);
  return { final, outbox };
}

beforeAll(async () => {
  if (!CAN_MOUNT) return;
  broker = await startMosquitto();
  sim = new EsclSimulator({ adfPages: PAGES });
  await sim.start();
  probe = await connectProbe(broker.url);
  storageDisk = await mountTmpfs(STORAGE_DISK_MIB);
  emptyFree = await storageDisk.freeBytes();
  dataFolder = await mkdtemp(join(tmpdir(), 'scan2mqtt-diskfull-'));
}, 60_000);

afterAll(async () => {
  if (!CAN_MOUNT) return;
  await stopTheGateway();
  await probe?.close();
  await sim?.stop();
  await broker?.stop();
  await storageDisk?.unmount();
  await rm(dataFolder, { recursive: true, force: true });
});

describe.skipIf(!CAN_MOUNT)('storage faults on a real full disk (needs root: mounts tmpfs)', () => {
  it('stores what fits, spools the rest, and delivers it after space is freed and the gateway restarts', { timeout: 180_000 }, async () => {
    gateway = await startTheGateway({ SCAN2MQTT_DELIVERY_RETRY_MIN_S: '1', SCAN2MQTT_DELIVERY_RETRY_MAX_S: '2' });

    const { outbox } = await scanOntoFullDisk();
    const waiting = (await probe.bridgeRequest('deliveries')).data?.['deliveries'] as { id: string; state: string }[];
    expect(waiting.map((d) => d.id).sort()).toEqual([...outbox].sort());
    // Disk full passes: every waiting page is retried, none is parked as failed for the operator.
    expect(waiting.every((d) => d.state === 'pending')).toBe(true);

    await stopTheGateway();
    await storageDisk.unfill();
    gateway = await startTheGateway({ SCAN2MQTT_DELIVERY_RETRY_MIN_S: '1', SCAN2MQTT_DELIVERY_RETRY_MAX_S: '2' });
    await expect.poll(async () => (await storedFiles()).length, { timeout: 30_000, interval: 200 }).toBe(PAGES);
    const sizes = await Promise.all((await storedFiles()).map(async (f) => (await stat(f)).size));
    expect(sizes).toEqual(pageBytes);
    await expect.poll(async () => ((await probe.bridgeRequest('deliveries')).data?.['deliveries'] as unknown[]).length, { timeout: 10_000 }).toBe(0);
    await clearStorage();
    await stopTheGateway();
  });

  it('delivery/retry delivers one waiting page by id, and all of them with {}', { timeout: 120_000 }, async () => {
    // The default backoff (30 s first): only the request makes these arrive now.
    gateway = await startTheGateway();
    const { outbox } = await scanOntoFullDisk();
    await storageDisk.unfill();

    const one = await probe.bridgeRequest('delivery/retry', { id: outbox[0] });
    expect(one).toMatchObject({ status: 'ok', data: { retried: [{ id: outbox[0], status: 'delivered' }] } });
    expect(await storedFiles()).toHaveLength(2);

    const all = await probe.bridgeRequest('delivery/retry', {});
    expect(all.status).toBe('ok');
    const retried = all.data?.['retried'] as { id: string; status: string }[];
    expect(retried.map((r) => r.id).sort()).toEqual(outbox.slice(1).sort());
    expect(retried.every((r) => r.status === 'delivered')).toBe(true);
    expect(await storedFiles()).toHaveLength(PAGES);
    expect((await probe.bridgeRequest('deliveries')).data).toEqual({ deliveries: [] });

    expect(await probe.bridgeRequest('delivery/retry', { id: outbox[0] })).toMatchObject({ status: 'error', error: expect.stringContaining(outbox[0]!) });
    expect(await probe.bridgeRequest('delivery/retry', { id: 7 })).toMatchObject({ status: 'error', error: expect.stringContaining('"id"') });
    await clearStorage();
    await stopTheGateway();
  });

  it('refuses to start a job while the data folder disk has less free space than the floor (default 100 MB)', { timeout: 120_000 }, async () => {
    const dataDisk = await mountTmpfs(SMALL_DATA_DISK_MIB);
    const saved = dataFolder;
    dataFolder = dataDisk.path;
    try {
      gateway = await startTheGateway();
      const jobsBefore = sim.jobs.length;
      const { final } = await runScan(probe, SCANNER, { source: 'platen', resolution: 75, format: 'jpeg' });
      expect(final.state).toBe('failed');
      expect(final.error).toEqual({ code: 'InsufficientStorage', message: expect.stringMatching(/free on .*storage\.min_free_mb = 100/) });
      expect(sim.jobs.length, 'the scanner was never asked to scan').toBe(jobsBefore);
      await stopTheGateway();

      // The floor is a setting: lowered below what is free, the same scan runs.
      gateway = await startTheGateway({ SCAN2MQTT_STORAGE_MIN_FREE_MB: '1' });
      const allowed = await runScan(probe, SCANNER, { source: 'platen', resolution: 75, format: 'jpeg' });
      expect(allowed.final.state).toBe('done');
      await clearStorage();
      await stopTheGateway();
    } finally {
      dataFolder = saved;
      await stopTheGateway();
      await dataDisk.unmount();
    }
  });
});
