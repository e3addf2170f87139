/** The heartbeat file the container healthcheck reads: the last state always lands last, and the verdict's reasons. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHealth, HEALTH_FILE, HEALTH_MAX_AGE_MS, HealthFile } from '../../src/app/health-file.js';

let folder: string | undefined;
afterEach(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
  folder = undefined;
});

describe('the health file', () => {
  it('ends with the latest state however many beats were asked for at once', async () => {
    folder = await mkdtemp(join(tmpdir(), 'scan2mqtt-health-'));
    let connected = false;
    const health = new HealthFile({ dataFolder: folder, logger: pino({ level: 'silent' }), read: () => ({ mqtt_connected: connected, scanners: 0 }) });
    const beats: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      beats.push(health.beat());
      connected = i % 2 === 0;
    }
    connected = true;
    beats.push(health.beat());
    await Promise.all(beats);
    expect(JSON.parse(await readFile(join(folder, HEALTH_FILE), 'utf8'))).toMatchObject({ mqtt_connected: true });
    expect(await checkHealth(folder)).toBeUndefined();
  });

  it('gives the reason it is unhealthy: no file, garbage, a stale beat, no broker', async () => {
    folder = await mkdtemp(join(tmpdir(), 'scan2mqtt-health-'));
    const file = join(folder, HEALTH_FILE);
    expect(await checkHealth(folder)).toBe('no health file yet');
    await writeFile(file, '{"at": not json');
    expect(await checkHealth(folder)).toBe('no health file yet');
    await writeFile(file, JSON.stringify({ at: 'yesterday', mqtt_connected: true }));
    expect(await checkHealth(folder)).toMatch(/old/);
    const now = Date.now();
    await writeFile(file, JSON.stringify({ at: new Date(now - HEALTH_MAX_AGE_MS).toISOString(), mqtt_connected: true }));
    expect(await checkHealth(folder, now)).toBe(`heartbeat is ${HEALTH_MAX_AGE_MS / 1000} s old`);
    await writeFile(file, JSON.stringify({ at: new Date(now - HEALTH_MAX_AGE_MS + 1000).toISOString(), mqtt_connected: true }));
    expect(await checkHealth(folder, now)).toBeUndefined();
    await writeFile(file, JSON.stringify({ at: new Date(now).toISOString(), mqtt_connected: false }));
    expect(await checkHealth(folder, now)).toBe('not connected to the MQTT broker');
  });
});
