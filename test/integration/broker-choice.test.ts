/**
 * Which broker the gateway uses (issue 8, section 2): the embedded broker stands in only for
 * the built-in default broker without a login; a broker the user named is waited for, never
 * replaced, so the real one can still take its port when it comes up.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayApp } from '../../src/app/gateway-app.js';
import { loadConfig } from '../../src/config/load.js';
import { DEFAULT_MQTT_URL } from '../../src/config/schema.js';
import { accepts, freePort, startMosquitto } from '../helpers/mosquitto.js';
import { connectProbe } from '../helpers/mqtt-probe.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';

const REPO = resolve(import.meta.dirname, '../..');
const TSX = join(REPO, 'node_modules/.bin/tsx');
const LOGIN = { username: 'gateway', password: 's3cret' };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** `scan2mqtt --healthcheck` against a data folder; resolves with the exit code. */
function healthcheck(dataFolder: string): Promise<number> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCAN2MQTT_')));
  return new Promise((done) => {
    execFile(TSX, ['src/main.ts', '--healthcheck'], { cwd: REPO, env: { ...clean, SCAN2MQTT_DATA_FOLDER: dataFolder }, timeout: 30_000 }, (error) => {
      done(error ? Number((error as { code?: number }).code ?? 1) : 0);
    });
  });
}

/** The gateway configured for a broker with a login on `port`, cleaned up after the test. */
async function startForNamedBroker(port: number): Promise<GatewayProcess> {
  // embedded_broker left at its default (auto), as a user who never heard of it would.
  const gateway = await startGateway({
    SCAN2MQTT_MQTT_URL: `mqtt://127.0.0.1:${port}`,
    SCAN2MQTT_MQTT_USERNAME: LOGIN.username,
    SCAN2MQTT_MQTT_PASSWORD: LOGIN.password,
    SCAN2MQTT_MQTT_EMBEDDED_BROKER: undefined,
    SCAN2MQTT_DISCOVERY_MDNS: 'false',
  });
  cleanups.push(() => gateway.stop());
  return gateway;
}

describe('broker choice', () => {
  it('waits for a named broker with a login that is down at start, never standing in for it, and connects once it is up', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const gateway = await startForNamedBroker(port);
    await expect.poll(() => gateway.output(), { timeout: 30_000 }).toMatch(/Waiting for the MQTT broker|started an embedded broker/);
    expect(gateway.output()).not.toMatch(/started an embedded broker/);
    expect(await accepts(port)).toBe(false);

    // The real broker comes up later (docker-compose `depends_on` without a readiness check).
    const broker = await startMosquitto({ port, auth: LOGIN });
    cleanups.push(() => broker.stop());
    const probe = await connectProbe(broker.url, LOGIN);
    cleanups.push(() => probe.close());
    await expect.poll(async () => (await probe.retained('scan2mqtt/bridge/state'))?.toString(), { timeout: 60_000 }).toBe('{"state":"online"}');
    await expect.poll(() => healthcheck(gateway.dataFolder), { timeout: 20_000 }).toBe(0);
    expect(await gateway.stop()).toBe(0);
  });

  it('with no broker settings at all, starts the embedded broker where the default URL points when nothing listens there', { timeout: 60_000 }, async () => {
    const data = await mkdtemp(join(tmpdir(), 'scan2mqtt-default-broker-'));
    cleanups.push(() => rm(data, { recursive: true, force: true }));
    // Discovery off: WS-Discovery would probe on the machine's real interfaces (tests stay on loopback).
    const config = loadConfig({ argv: [], env: { SCAN2MQTT_DATA_FOLDER: data, SCAN2MQTT_STORAGE_FOLDER: join(data, 'scans'), SCAN2MQTT_DISCOVERY_MDNS: 'false', SCAN2MQTT_DISCOVERY_WSD: 'false' } });
    expect(config.mqtt.url).toBe(DEFAULT_MQTT_URL);
    expect(config.userKeys.has('mqtt.url')).toBe(false);
    // Port 1883 may be in use on a test machine: the built-in default is moved to a free port,
    // and stays the default (the user gave no URL), which is all the decision looks at.
    const port = await freePort();
    config.mqtt.url = DEFAULT_MQTT_URL.replace(':1883', `:${port}`);
    const app = createGatewayApp({ config, logger: pino({ level: 'silent' }), version: '0.0.0-test' });
    let stopped = false;
    cleanups.push(async () => stopped || (await app.stop()));
    await app.start();
    const probe = await connectProbe(`mqtt://127.0.0.1:${port}`);
    cleanups.push(() => probe.close());
    await expect.poll(async () => (await probe.retained('scan2mqtt/bridge/state'))?.toString(), { timeout: 20_000 }).toBe('{"state":"online"}');
    await probe.close();
    stopped = true;
    await app.stop();
    expect(await accepts(port)).toBe(false);
  });

  it('stops cleanly on SIGTERM while it is still waiting for a named broker that never came up', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const gateway = await startForNamedBroker(port);
    await expect.poll(() => gateway.output(), { timeout: 30_000 }).toMatch(/Waiting for the MQTT broker/);
    // Before the signal handlers were installed ahead of the start, this SIGTERM killed the process (exit null).
    expect(await gateway.stop()).toBe(0);
    expect(gateway.output()).toMatch(/"msg":"stopped"/);
  });
});
