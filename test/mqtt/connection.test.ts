import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ScanError } from '../../src/core/errors.js';
import { MqttConnection, nextReconnectDelay, type MqttConnectionDeps, type MqttSettings } from '../../src/mqtt/connection.js';
import { freePort, startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';

const logger = pino({ level: 'silent' });

/** A logger whose JSON lines land in an array, to wait on what the component reported. */
function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { logger: pino({ level: 'debug' }, stream), lines };
}
/** Fast reconnects keep the restart tests short; the value is not asserted. */
const RECONNECT_MS = 100;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function broker(opts?: Parameters<typeof startMosquitto>[0]): Promise<MosquittoBroker> {
  const b = await startMosquitto(opts);
  cleanups.push(() => b.stop());
  return b;
}

function connection(config: MqttSettings, extra: Partial<MqttConnectionDeps> = {}): MqttConnection {
  const c = new MqttConnection({ config, logger, reconnectPeriodMs: RECONNECT_MS, ...extra });
  cleanups.push(() => c.stop());
  return c;
}

async function probe(url: string, options = {}): Promise<MqttProbe> {
  const p = await connectProbe(url, options);
  cleanups.push(() => p.close());
  return p;
}

describe('nextReconnectDelay', () => {
  it('doubles the pause after each failed attempt, from the first up to the longest', () => {
    expect(nextReconnectDelay(1_000, 1_000, 30_000)).toBe(2_000);
    expect(nextReconnectDelay(16_000, 1_000, 30_000)).toBe(30_000);
    expect(nextReconnectDelay(30_000, 1_000, 30_000)).toBe(30_000);
    expect(nextReconnectDelay(0, 1_000, 30_000)).toBe(1_000);
  });
});

describe('MqttConnection against a real mosquitto', () => {
  it('publishes strings, buffers and objects (as JSON) with retain', async () => {
    const b = await broker();
    const c = connection({ url: b.url });
    await c.start();
    expect(c.connected).toBe(true);
    await c.publish('t/obj', { a: 1 }, { retain: true, qos: 1 });
    await c.publish('t/str', 'hello', { retain: true });
    await c.publish('t/buf', Buffer.from([0, 255]), { retain: true });
    const p = await probe(b.url);
    expect(await p.retainedJson('t/obj')).toEqual({ a: 1 });
    expect((await p.retained('t/str'))?.toString()).toBe('hello');
    expect(await p.retained('t/buf')).toEqual(Buffer.from([0, 255]));
  });

  it('dispatches by wildcard filter and survives throwing handlers', async () => {
    const b = await broker();
    const c = connection({ url: b.url });
    await c.start();
    const seen: string[] = [];
    await c.subscribe('base/+/scan', () => {
      throw new Error('handler bug');
    });
    await c.subscribe('base/+/scan', (topic) => void seen.push(`plus:${topic}`));
    await c.subscribe('base/bridge/request/#', async (topic) => {
      seen.push(`hash:${topic}`);
      throw new Error('async handler bug');
    });
    const p = await probe(b.url);
    await p.publish('base/a/scan', '{}');
    await p.publish('base/a/other', '{}');
    await p.publish('base/bridge/request/device/remove', '{}');
    await p.publish('base/b/scan', 'x');
    await expect.poll(() => seen.length).toBe(3);
    expect(seen).toEqual(['plus:base/a/scan', 'hash:base/bridge/request/device/remove', 'plus:base/b/scan']);
  });

  it('unsubscribing one handler keeps the others on the same filter', async () => {
    const b = await broker();
    const c = connection({ url: b.url });
    await c.start();
    const seen: string[] = [];
    const first = () => void seen.push('first');
    await c.subscribe('u/x', first);
    await c.subscribe('u/x', () => void seen.push('second'));
    await c.unsubscribe('u/x', first);
    const p = await probe(b.url);
    await p.publish('u/x', '1');
    await expect.poll(() => seen).toEqual(['second']);
  });

  it('refuses malformed filters with a ScanError', async () => {
    const c = connection({ url: 'mqtt://127.0.0.1:1' });
    await expect(c.subscribe('a/#/b', () => undefined)).rejects.toBeInstanceOf(ScanError);
    await expect(c.subscribe('a+/b', () => undefined)).rejects.toMatchObject({ code: 'InvalidRequest' });
  });

  it('waits for a broker that is down at start, says so, then connects', async () => {
    const port = await freePort();
    const logs = captureLogger();
    const c = connection({ url: `mqtt://u:hidden@127.0.0.1:${port}` }, { logger: logs.logger });
    const started = c.start();
    expect(c.connected).toBe(false);
    await expect(c.publish('t', 'x')).rejects.toMatchObject({ code: 'DeviceOffline' });
    const waiting = () => logs.lines.map((l) => String(l['msg'])).find((m) => m.startsWith('Waiting for the MQTT broker'));
    await expect.poll(waiting).toContain(`127.0.0.1:${port}`);
    // The `url` field is redacted by the root logger; the text must not carry the password either.
    expect(waiting()).not.toContain('hidden');
    // A few attempts have failed; their pauses grew.
    await expect.poll(() => logs.lines.filter((l) => l['next_retry_ms'] !== undefined).length).toBeGreaterThanOrEqual(3);
    const pauses = logs.lines.flatMap((l) => (typeof l['next_retry_ms'] === 'number' ? [l['next_retry_ms']] : []));
    expect(pauses.slice(0, 3)).toEqual([2 * RECONNECT_MS, 4 * RECONNECT_MS, 8 * RECONNECT_MS]);
    await broker({ port });
    await started;
    expect(c.connected).toBe(true);
  });

  it('re-subscribes and reports isReconnect after the broker restarts', async () => {
    const first = await startMosquitto();
    const c = connection({ url: first.url });
    const connects: boolean[] = [];
    c.onConnect((isReconnect) => connects.push(isReconnect));
    await c.start();
    const received: string[] = [];
    await c.subscribe('r/#', (_topic, payload) => void received.push(payload.toString()));
    await first.stop();
    await expect.poll(() => c.connected).toBe(false);
    const second = await broker({ port: first.port });
    await expect.poll(() => connects).toEqual([false, true]);
    const p = await probe(second.url);
    // The re-subscribe races the probe; repeat until the handler sees one.
    await expect.poll(async () => {
      await p.publish('r/x', 'after-restart');
      return received.includes('after-restart');
    }).toBe(true);
  });

  it('stop() rejects a start() still waiting for the broker', async () => {
    const port = await freePort();
    const c = new MqttConnection({ config: { url: `mqtt://127.0.0.1:${port}` }, logger, reconnectPeriodMs: RECONNECT_MS });
    const started = c.start();
    await c.stop();
    await expect(started).rejects.toMatchObject({ code: 'Cancelled' });
  });

  it('logs in with username/password and refuses wrong credentials with AccessDenied', async () => {
    const b = await broker({ auth: { username: 'gateway', password: 's3cret' } });
    const good = connection({ url: b.url, username: 'gateway', password: 's3cret' });
    await good.start();
    expect(good.connected).toBe(true);
    const bad = connection({ url: b.url, username: 'gateway', password: 'wrong' });
    await expect(bad.start()).rejects.toMatchObject({ code: 'AccessDenied' });
    const anonymous = connection({ url: b.url });
    await expect(anonymous.start()).rejects.toMatchObject({ code: 'AccessDenied' });
  });

  it('connects over TLS with a CA file and rejects an unknown CA', async () => {
    const b = await broker({ tls: true });
    expect(b.url.startsWith('mqtts://')).toBe(true);
    const c = connection({ url: b.url, ca: b.caFile });
    await c.start();
    await c.publish('tls/x', { ok: true }, { retain: true });
    const p = await probe(b.url, { ca: [await import('node:fs/promises').then((fs) => fs.readFile(b.caFile as string))] });
    expect(await p.retainedJson('tls/x')).toEqual({ ok: true });

    const logs = captureLogger();
    const untrusting = new MqttConnection({ config: { url: b.url }, logger: logs.logger, reconnectPeriodMs: RECONNECT_MS });
    const pending = untrusting.start();
    // Without the CA the TLS handshake fails on every attempt; start() keeps waiting and says why.
    await expect.poll(() => logs.lines.some((l) => /certificate/i.test(String(l['err'])))).toBe(true);
    expect(untrusting.connected).toBe(false);
    await untrusting.stop();
    await expect(pending).rejects.toMatchObject({ code: 'Cancelled' });
  });

  it('names the config key when a TLS file cannot be read', async () => {
    const c = connection({ url: 'mqtts://localhost:1', ca: '/nonexistent/ca.pem' });
    await expect(c.start()).rejects.toThrow(/mqtt\.ca: cannot read \/nonexistent\/ca\.pem/);
  });
});
