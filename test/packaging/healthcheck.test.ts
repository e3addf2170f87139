/**
 * What the container healthcheck (`scan2mqtt --healthcheck`, Dockerfile HEALTHCHECK) means, on
 * the real gateway process: healthy while it runs connected to its broker; unhealthy once the
 * broker is gone (the next heartbeat records it) and once the process is stopped (the heartbeat
 * goes stale: nothing rewrites it, as with a blocked event loop).
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HEALTH_FILE, HEALTH_INTERVAL_MS, HEALTH_MAX_AGE_MS } from '../../src/app/health-file.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { startGateway, type GatewayProcess } from '../integration/gateway-process.js';

const REPO = resolve(import.meta.dirname, '../..');
const TSX = join(REPO, 'node_modules/.bin/tsx');

function healthcheck(dataFolder: string): Promise<{ code: number; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCAN2MQTT_')));
  return new Promise((done) => {
    execFile(TSX, ['src/main.ts', '--healthcheck'], { cwd: REPO, env: { ...clean, SCAN2MQTT_DATA_FOLDER: dataFolder }, timeout: 30_000 }, (error, _stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

let broker: MosquittoBroker | undefined;
let gateway: GatewayProcess | undefined;
afterAll(async () => {
  await gateway?.stop();
  await broker?.stop();
});

describe('the container healthcheck', () => {
  it('is healthy while connected, unhealthy after the broker goes, and unhealthy once the heartbeat is stale', { timeout: 120_000 }, async () => {
    broker = await startMosquitto();
    gateway = await startGateway({ SCAN2MQTT_MQTT_URL: broker.url, SCAN2MQTT_DISCOVERY_MDNS: 'false' });
    await expect.poll(async () => { const r = await healthcheck(gateway!.dataFolder); return `${r.code} ${r.stderr}`; }, { timeout: 30_000, interval: 500 }).toBe('0 ');

    await broker.stop();
    broker = undefined;
    // The next heartbeat (every HEALTH_INTERVAL_MS) records the lost broker.
    await expect.poll(async () => (await healthcheck(gateway!.dataFolder)).stderr, { timeout: HEALTH_INTERVAL_MS * 2, interval: 1000 }).toContain('not connected to the MQTT broker');

    await gateway.terminate();
    // A beat older than HEALTH_MAX_AGE_MS: what a blocked event loop leaves behind.
    const file = join(gateway.dataFolder, HEALTH_FILE);
    const beat = JSON.parse(await readFile(file, 'utf8')) as { at: string; mqtt_connected: boolean };
    await writeFile(file, JSON.stringify({ ...beat, mqtt_connected: true, at: new Date(Date.now() - HEALTH_MAX_AGE_MS - 1000).toISOString() }));
    const stale = await healthcheck(gateway.dataFolder);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/heartbeat is \d+ s old/);
  });
});
