import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { embeddedBrokerPolicy, ensureBroker, localMqttTarget } from '../../src/mqtt/embedded-broker.js';
import { MqttConnection } from '../../src/mqtt/connection.js';
import { accepts, freePort, startMosquitto } from '../helpers/mosquitto.js';
import { connectProbe } from '../helpers/mqtt-probe.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { logger: pino({ level: 'debug' }, stream), lines };
}

describe('ensureBroker', () => {
  it('starts an embedded broker on a free local port, with working retained messages, and says how to watch it', async () => {
    const port = await freePort();
    const { logger, lines } = captureLogger();
    const embedded = await ensureBroker(`mqtt://localhost:${port}`, logger, { baseTopic: 'scan2mqtt' });
    expect(embedded).not.toBeNull();
    cleanups.push(async () => embedded?.stop());
    expect(embedded?.port).toBe(port);
    // Loopback only: the embedded broker has no login, so nothing beyond this machine may reach it.
    expect(embedded?.address).toBe('127.0.0.1');
    expect(lines.map((l) => String(l['msg'])).join('\n')).toContain(`mosquitto_sub -h localhost -p ${port} -t 'scan2mqtt/#' -v`);

    const connection = new MqttConnection({ config: { url: `mqtt://localhost:${port}` }, logger: pino({ level: 'silent' }) });
    cleanups.push(() => connection.stop());
    await connection.start();
    await connection.publish('scan2mqtt/bridge/state', { state: 'online' }, { retain: true, qos: 1 });
    const probe = await connectProbe(`mqtt://127.0.0.1:${port}`);
    cleanups.push(() => probe.close());
    expect(await probe.retainedJson('scan2mqtt/bridge/state')).toEqual({ state: 'online' });

    await probe.close();
    await connection.stop();
    await embedded?.stop();
    expect(await accepts(port)).toBe(false);
  });

  it('returns null when mosquitto already listens there', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    expect(await ensureBroker(`mqtt://127.0.0.1:${broker.port}`, pino({ level: 'silent' }))).toBeNull();
    expect(await ensureBroker(`mqtt://localhost:${broker.port}`, pino({ level: 'silent' }))).toBeNull();
  });

  it('never starts a broker for remote, TLS or malformed URLs', async () => {
    const logger = pino({ level: 'silent' });
    for (const url of ['mqtt://192.0.2.1:1883', 'mqtts://localhost:8883', 'ws://localhost:9001', 'not a url', '']) {
      expect(localMqttTarget(url)).toBeUndefined();
      expect(await ensureBroker(url, logger)).toBeNull();
    }
    expect(localMqttTarget('mqtt://localhost')).toMatchObject({ port: 1883, bindHost: '127.0.0.1' });
  });
});

describe('embeddedBrokerPolicy', () => {
  it('lets auto stand in only for the built-in default broker without a login', () => {
    expect(embeddedBrokerPolicy({ mode: 'auto', urlGiven: false, username: '' })).toEqual({ allowed: true });
  });

  it('never stands in for a broker the user named, or one that wants a login', () => {
    for (const input of [
      { mode: 'auto', urlGiven: true, username: '' },
      { mode: 'auto', urlGiven: false, username: 'gateway' },
      { mode: 'auto', urlGiven: true, username: 'gateway' },
      { mode: 'never', urlGiven: false, username: '' },
    ] as const) {
      const policy = embeddedBrokerPolicy(input);
      expect(policy.allowed).toBe(false);
      expect(policy.allowed === false && policy.reason.length).toBeGreaterThan(0);
    }
  });
});
