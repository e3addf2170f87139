import type { MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/job.js';
import { bridgeWill, createMqttBridge, type MqttBridge } from '../../src/mqtt/bridge.js';
import { MqttConnection } from '../../src/mqtt/connection.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { FakeGateway, makeView } from './fake-gateway.js';

const logger = pino({ level: 'silent' });
const BASE = 'scan2mqtt';
const INFO = { version: '0.1.0', config: { mqtt: { url: 'mqtt://x', username: 'u' } } };
const IDLE = { status: 'idle' as const, adf: 'empty' as const, job: null };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

interface Rig {
  broker: MosquittoBroker;
  gateway: FakeGateway;
  connection: MqttConnection;
  bridge: MqttBridge;
  probe: MqttProbe;
}

/** A real mosquitto, a fake gateway with two scanners, a started connection + bridge, and a probe. */
async function rig(reconnectPeriodMs = 100): Promise<Rig> {
  const broker = await startMosquitto();
  cleanups.push(() => broker.stop());
  const gateway = new FakeGateway();
  gateway.add(makeView('office'), IDLE);
  gateway.add(makeView('lide', { protocol: 'sane', url: 'sane://192.0.2.9:6566/test:0', online: false, capabilities: undefined }));
  const connection = new MqttConnection({ config: { url: broker.url }, logger, will: bridgeWill(BASE), reconnectPeriodMs });
  cleanups.push(() => connection.stop());
  await connection.start();
  const bridge = createMqttBridge({ connection, gateway, baseTopic: BASE, logger, info: () => INFO });
  await bridge.start();
  cleanups.push(() => bridge.stop());
  const probe = await connectProbe(broker.url);
  cleanups.push(() => probe.close());
  return { broker, gateway, connection, bridge, probe };
}

/** Destroys the connection's socket without DISCONNECT, as a crash or a pulled cable would. */
function killSocket(connection: MqttConnection): void {
  (connection as unknown as { client: MqttClient }).client.stream.destroy();
}

/** Publishes a bridge request and returns its response. */
async function request(probe: MqttProbe, action: string, payload: string | object): Promise<Record<string, unknown>> {
  const responses = await probe.collect(`${BASE}/bridge/response/${action}`);
  await probe.publish(`${BASE}/bridge/request/${action}`, typeof payload === 'string' ? payload : JSON.stringify(payload));
  const message = await responses.next();
  await responses.stop();
  return message.json();
}

describe('MQTT bridge retained topics', () => {
  it('publishes bridge state, info, devices and per-scanner topics retained after connect', async () => {
    const { probe } = await rig();
    expect(await probe.retainedJson(`${BASE}/bridge/state`)).toEqual({ state: 'online' });
    expect(await probe.retainedJson(`${BASE}/bridge/info`)).toEqual(INFO);
    expect(await probe.retainedJson(`${BASE}/bridge/devices`)).toEqual([
      { id: 'office', name: 'Scanner office', manufacturer: 'ACME', model: 'Scan 1', protocol: 'escl', url: 'http://192.0.2.7:8080/office/eSCL', online: true },
      { id: 'lide', name: 'Scanner lide', manufacturer: 'ACME', model: 'Scan 1', protocol: 'sane', url: 'sane://192.0.2.9:6566/test:0', online: false },
    ]);
    expect(await probe.retainedJson(`${BASE}/office`)).toEqual(IDLE);
    expect((await probe.retained(`${BASE}/office/availability`))?.toString()).toBe('online');
    expect((await probe.retained(`${BASE}/lide/availability`))?.toString()).toBe('offline');
    expect(await probe.retainedJson(`${BASE}/office/capabilities`)).toMatchObject({ protocol: 'escl', sources: { platen: { resolutions: [150, 300] } } });
    // Unknown capabilities and state are left out, never invented.
    expect(await probe.retained(`${BASE}/lide/capabilities`)).toBeUndefined();
    expect(await probe.retained(`${BASE}/lide`)).toBeUndefined();
  });

  it('the broker publishes the last will, retained, when the gateway vanishes', async () => {
    // reconnect period 0 = mqtt.js never reconnects, so the retained will stays observable.
    const { probe, connection } = await rig(0);
    const states = await probe.collect(`${BASE}/bridge/state`);
    killSocket(connection);
    await states.next((m) => m.json<{ state: string }>().state === 'offline');
    expect(await probe.retainedJson(`${BASE}/bridge/state`)).toEqual({ state: 'offline' });
  });

  it('comes back online by itself after its socket dies', async () => {
    const { probe, connection } = await rig();
    const states = await probe.collect(`${BASE}/bridge/state`);
    killSocket(connection);
    await states.next((m) => m.json<{ state: string }>().state === 'offline');
    const offlineAt = states.messages.findIndex((m) => m.json<{ state: string }>().state === 'offline');
    await states.next((m) => states.messages.indexOf(m) > offlineAt && m.json<{ state: string }>().state === 'online');
    expect(await probe.retainedJson(`${BASE}/bridge/state`)).toEqual({ state: 'online' });
  });

  it('republishes everything retained after the broker restarts without persistence', async () => {
    const first = await rig();
    const port = first.broker.port;
    await first.probe.close();
    await first.broker.stop();
    await expect.poll(() => first.connection.connected).toBe(false);
    const second = await startMosquitto({ port });
    cleanups.push(() => second.stop());
    await expect.poll(() => first.connection.connected).toBe(true);
    const probe = await connectProbe(second.url);
    cleanups.push(() => probe.close());
    await probe.waitFor(`${BASE}/bridge/devices`);
    expect(await probe.retainedJson(`${BASE}/bridge/state`)).toEqual({ state: 'online' });
    expect(await probe.retainedJson(`${BASE}/bridge/info`)).toEqual(INFO);
    expect(await probe.retainedJson(`${BASE}/office`)).toEqual(IDLE);
    await expect.poll(async () => (await probe.retained(`${BASE}/office/capabilities`)) !== undefined).toBe(true);
  });

  it('stop() publishes offline retained and stops listening', async () => {
    const { probe, bridge, gateway, connection } = await rig();
    await bridge.stop();
    expect(await probe.retainedJson(`${BASE}/bridge/state`)).toEqual({ state: 'offline' });
    expect(gateway.listenerCount('job')).toBe(0);
    let markerSeen = false;
    await connection.subscribe('test/marker', () => void (markerSeen = true));
    await probe.publish(`${BASE}/office/scan`, '{}');
    await probe.publish(`${BASE}/bridge/request/health`, '{}');
    // The broker keeps one publisher's order, so the scan would have arrived before the marker.
    await probe.publish('test/marker', 'x');
    await expect.poll(() => markerSeen).toBe(true);
    expect(gateway.submits).toEqual([]);
  });
});

describe('MQTT bridge gateway events', () => {
  it('forwards state, job and button events; job and button not retained', async () => {
    const { probe, gateway } = await rig();
    const all = await probe.collect(`${BASE}/office/+`);
    const processing = { status: 'processing' as const, adf: 'loaded' as const, job: null };
    gateway.emit('stateChanged', 'office', processing);
    const job: JobEvent = { id: 'j1', scanner: 'office', state: 'scanning', pages: 1, files: [], created_at: 'now' };
    gateway.emit('job', 'office', job);
    gateway.emit('button', 'office', { button: 'scan', action: 'press' });
    expect((await all.next((m) => m.topic.endsWith('/job'))).json()).toEqual(job);
    expect((await all.next((m) => m.topic.endsWith('/button'))).json()).toEqual({ button: 'scan', action: 'press' });
    expect(await probe.retainedJson(`${BASE}/office`)).toEqual(processing);
    expect(await probe.retained(`${BASE}/office/job`)).toBeUndefined();
    expect(await probe.retained(`${BASE}/office/button`)).toBeUndefined();
  });

  it('adds, flips availability and removes scanners, with bridge events and cleared retained topics', async () => {
    const { probe, gateway } = await rig();
    const events = await probe.collect(`${BASE}/bridge/event`);
    const scanner = makeView('new_one');
    gateway.add(scanner, IDLE);
    gateway.emit('scannerAdded', scanner);
    expect((await events.next()).json()).toMatchObject({ type: 'device_added', data: { id: 'new_one', online: true } });
    await expect.poll(async () => (await probe.retainedJson<{ id: string }[]>(`${BASE}/bridge/devices`))?.map((d) => d.id)).toEqual(['office', 'lide', 'new_one']);
    expect((await probe.retained(`${BASE}/new_one/availability`))?.toString()).toBe('online');

    const offline = { ...scanner, online: false };
    gateway.add(offline);
    gateway.emit('scannerChanged', offline);
    expect((await events.next((m) => m.json<{ type: string }>().type === 'device_offline')).json()).toMatchObject({ data: { id: 'new_one' } });
    gateway.emit('scannerChanged', { ...scanner, name: 'back online' });
    await events.next((m) => m.json<{ type: string }>().type === 'device_online');

    const response = await request(probe, 'device/remove', { id: 'new_one', transaction: 7 });
    expect(response).toEqual({ status: 'ok', data: { id: 'new_one' }, transaction: 7 });
    await events.next((m) => m.json<{ type: string }>().type === 'device_removed');
    for (const topic of ['new_one', 'new_one/availability', 'new_one/capabilities']) {
      await expect.poll(() => probe.retained(`${BASE}/${topic}`)).toBeUndefined();
    }
    expect((await probe.retainedJson<{ id: string }[]>(`${BASE}/bridge/devices`))?.map((d) => d.id)).toEqual(['office', 'lide']);
    expect(events.messages.filter((m) => m.retain)).toEqual([]);
  });
});

describe('MQTT bridge commands', () => {
  it('a scan command reaches submitScan parsed into a typed command, with trigger "command"', async () => {
    const { probe, gateway } = await rig();
    const jobs = await probe.collect(`${BASE}/office/job`);
    await probe.publish(`${BASE}/office/scan`, JSON.stringify({ resolution: 150, id: 'mine' }));
    const queued = await jobs.next();
    expect(queued.json()).toMatchObject({ id: 'mine', state: 'queued', scanner: 'office', trigger: 'command' });
    expect(gateway.submits).toHaveLength(1);
    expect(gateway.submits[0]?.trigger).toBe('command');
    expect(gateway.submits[0]?.command).toEqual({ resolution: 150, id: 'mine' });
  });

  const refusals: [string, string, string | Buffer, string, string | undefined][] = [
    ['bad JSON', 'office', '{"resolution":', 'InvalidRequest', undefined],
    ['an unknown field', 'office', '{"id":"c1","speed":"fast"}', 'InvalidRequest', 'c1'],
    ['an unsupported value', 'office', '{"id":"c2","resolution":1200}', 'InvalidRequest', 'c2'],
    ['an offline scanner', 'lide', '{}', 'DeviceOffline', undefined],
    ['an unknown scanner', 'ghost', '{"id":"c3"}', 'NotFound', 'c3'],
    ['binary garbage', 'office', Buffer.from([0xff, 0x00, 0xfe, 0x7b]), 'InvalidRequest', undefined],
    ['a JSON array', 'office', '[1,2]', 'InvalidRequest', undefined],
  ];
  it.each(refusals)('a command with %s gets a failed job event with the error', async (_what, id, payload, code, clientId) => {
    const { probe } = await rig();
    const jobs = await probe.collect(`${BASE}/${id}/job`);
    await probe.publish(`${BASE}/${id}/scan`, payload);
    const event = (await jobs.next()).json<JobEvent>();
    expect(event).toMatchObject({ scanner: id, state: 'failed', pages: 0, files: [], error: { code } });
    expect(event.error?.message.length).toBeGreaterThan(0);
    expect(typeof event.created_at).toBe('string');
    if (clientId) expect(event.id).toBe(clientId);
    else expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an empty scan payload means a default scan', async () => {
    const { probe, gateway } = await rig();
    const jobs = await probe.collect(`${BASE}/office/job`);
    await probe.publish(`${BASE}/office/scan`, '');
    expect((await jobs.next()).json()).toMatchObject({ state: 'queued' });
    expect(gateway.submits).toHaveLength(1);
  });

  it('answers an oversized scan command with a failed InvalidRequest job event, ignores the bridge level, and keeps serving', async () => {
    const { probe, gateway } = await rig();
    const jobs = await probe.collect(`${BASE}/office/job`);
    await probe.publish(`${BASE}/office/scan`, Buffer.alloc(65 * 1024, 0x20));
    const refused = (await jobs.next()).json<JobEvent>();
    expect(refused).toMatchObject({ scanner: 'office', state: 'failed', pages: 0, files: [], trigger: 'command', error: { code: 'InvalidRequest' } });
    expect(refused.error?.message).toMatch(/65536 bytes/);
    await probe.publish(`${BASE}/bridge/scan`, '{}');
    // Commands from one client are handled in order, so once this is answered the others were seen.
    await probe.publish(`${BASE}/office/scan`, '{"id":"after"}');
    expect((await jobs.next((m) => m.json<JobEvent>().id === 'after')).json()).toMatchObject({ state: 'queued' });
    // Never parsed: the oversized payload did not reach the gateway.
    expect(gateway.submits.map((s) => s.scannerId)).toEqual(['office']);
    expect(jobs.messages).toHaveLength(2);
  });

  it('answers a scan command of exactly the limit like any other', async () => {
    const { probe } = await rig();
    const jobs = await probe.collect(`${BASE}/office/job`);
    const body = '{"id":"edge"}';
    await probe.publish(`${BASE}/office/scan`, body + ' '.repeat(64 * 1024 - body.length));
    expect((await jobs.next()).json()).toMatchObject({ id: 'edge', state: 'queued' });
  });

  it('answers an oversized bridge request with an InvalidRequest error response', async () => {
    const { probe } = await rig();
    const response = await request(probe, 'health', Buffer.alloc(65 * 1024, 0x7b).toString());
    expect(response).toMatchObject({ status: 'error', data: { code: 'InvalidRequest' }, error: expect.stringMatching(/65536 bytes/) });
    expect(await request(probe, 'health', {})).toMatchObject({ status: 'ok' });
  });

  it('cancel reaches cancelJob, with the job id when given', async () => {
    const { probe, gateway } = await rig();
    await probe.publish(`${BASE}/office/cancel`, '');
    await probe.publish(`${BASE}/office/cancel`, '{"id":"j9"}');
    await probe.publish(`${BASE}/office/cancel`, 'not json');
    await expect.poll(() => gateway.cancels.length).toBe(3);
    expect(gateway.cancels).toEqual([
      { scannerId: 'office', jobId: undefined },
      { scannerId: 'office', jobId: 'j9' },
      { scannerId: 'office', jobId: undefined },
    ]);
  });
});

describe('MQTT bridge requests', () => {
  it('answers devices, discover, health, config, rename and scan, echoing the transaction', async () => {
    const { probe, gateway } = await rig();
    const devices = await request(probe, 'devices', { transaction: 'a' });
    expect(devices).toMatchObject({ status: 'ok', transaction: 'a', data: { devices: [{ id: 'office' }, { id: 'lide' }] } });
    expect(await request(probe, 'discover', { transaction: 2 })).toMatchObject({ status: 'ok', transaction: 2, data: { devices: [{}, {}] } });
    expect(gateway.discoverCalls).toBe(1);
    expect(await request(probe, 'health', { transaction: 'h' })).toMatchObject({ status: 'ok', transaction: 'h', data: { scanners: { total: 2, online: 1 } } });
    expect(await request(probe, 'config', {})).toEqual({ status: 'ok', data: INFO });
    expect(await request(probe, 'device/rename', { from: 'office', to: 'Office MFP', transaction: 'r' })).toMatchObject({
      status: 'ok', transaction: 'r', data: { id: 'office', name: 'Office MFP' },
    });
    expect(await request(probe, 'device/rename', { id: 'office', name: 'Office' })).toMatchObject({ data: { name: 'Office' } });
    const scan = await request(probe, 'scan', { scanner: 'office', id: 'bridge-job', resolution: 300, transaction: 's' });
    expect(scan).toMatchObject({ status: 'ok', transaction: 's', data: { id: 'bridge-job', state: 'queued', trigger: 'bridge' } });
    expect(await request(probe, 'scan', { id: 'office' })).toMatchObject({ status: 'ok', data: { scanner: 'office', state: 'queued' } });
    expect(gateway.submits.map((s) => s.command)).toEqual([{ id: 'bridge-job', resolution: 300 }, {}]);
  });

  it('answers errors with a message, a code and the transaction', async () => {
    const { probe } = await rig();
    expect(await request(probe, 'scan', { scanner: 'office', resolution: 1200, transaction: 1 })).toMatchObject({
      status: 'error', transaction: 1, data: { code: 'InvalidRequest' }, error: expect.stringContaining('1200'),
    });
    expect(await request(probe, 'scan', { transaction: 2 })).toMatchObject({ status: 'error', transaction: 2, error: expect.stringContaining('scanner') });
    expect(await request(probe, 'device/remove', { id: 'ghost', transaction: 3 })).toMatchObject({ status: 'error', transaction: 3, data: { code: 'NotFound' } });
    expect(await request(probe, 'device/rename', { id: 'ghost', name: 'x' })).toMatchObject({ status: 'error', data: { code: 'NotFound' } });
    expect(await request(probe, 'reboot_everything', { transaction: 4 })).toMatchObject({ status: 'error', transaction: 4, error: expect.stringContaining('unknown') });
    expect(await request(probe, 'devices', '{broken')).toMatchObject({ status: 'error', data: { code: 'InvalidRequest' } });
    expect(await request(probe, 'devices', '"just a string"')).toMatchObject({ status: 'error' });
    expect(await request(probe, 'health', '')).toMatchObject({ status: 'ok' });
    expect(await request(probe, 'toString', {})).toMatchObject({ status: 'error' });
  });

  it('refuses unknown fields in every request, naming the field, as scan commands do', async () => {
    const { probe, gateway } = await rig();
    const cases: [string, object, string][] = [
      ['devices', { verbose: true }, 'verbose'],
      ['health', { transaction: 't', detail: 1 }, 'detail'],
      ['device/rename', { id: 'office', name: 'Office', colour: 'red' }, 'colour'],
      ['device/remove', { id: 'office', force: true }, 'force'],
      ['history', { scanner: 'office', lmit: 5 }, 'lmit'],
      ['delivery/drop', { id: 'd1', all: true }, 'all'],
      ['scan', { scanner: 'office', speed: 'fast' }, 'speed'],
    ];
    for (const [action, body, field] of cases) {
      expect(await request(probe, action, body), action).toMatchObject({ status: 'error', data: { code: 'InvalidRequest' }, error: expect.stringContaining(`"${field}"`) });
    }
    expect(gateway.scanners.has('office')).toBe(true);
    expect(gateway.scanners.get('office')?.name).toBe('Scanner office');
    expect(gateway.submits).toEqual([]);
  });

  it('refuses a rename to a name with control characters, and keeps the old name', async () => {
    const { probe } = await rig();
    for (const name of ['Office\u0000', 'Of\u001b[31mfice', 'Office\nMFP', 'Office\u007f', 'Office\u0085', 'Office\u2028']) {
      expect(await request(probe, 'device/rename', { id: 'office', name }), JSON.stringify(name)).toMatchObject({
        status: 'error', data: { code: 'InvalidRequest' }, error: expect.stringMatching(/control character/),
      });
    }
    expect(await request(probe, 'device/rename', { id: 'office', name: 'x'.repeat(65) })).toMatchObject({ status: 'error', error: expect.stringMatching(/1 to 64/) });
    expect(await request(probe, 'device/rename', { id: 'office', name: 'x'.repeat(64) })).toMatchObject({ status: 'ok' });
    expect(await request(probe, 'device/rename', { id: 'office', name: 'Büro – Scanner 2' })).toMatchObject({ status: 'ok', data: { name: 'Büro – Scanner 2' } });
    await expect.poll(async () => (await probe.retainedJson<{ name: string }[]>(`${BASE}/bridge/devices`))?.[0]?.name).toBe('Büro – Scanner 2');
  });
});
