/**
 * The scanner data topics are the MQTT layer's, not Home Assistant's (issue 9): with HA discovery
 * off (SCAN2MQTT_HOMEASSISTANT_ENABLED=false) the REAL gateway process still takes `set/<key>`,
 * keeps `preferences`, and after a scan publishes `last_scan` and a `preview` JPEG, all retained,
 * over a real Mosquitto and the eSCL simulator. And no discovery payload at all.
 */
import { randomUUID } from 'node:crypto';
import { relative } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';

const SCANNER = 'office';
const BASE = 'scan2mqtt';
/** Limits, not assertions: a process start, a scan. */
const START_WAIT_MS = 30_000;
const JOB_WAIT_MS = 60_000;

let broker: MosquittoBroker;
let sim: EsclSimulator;
let probe: MqttProbe;
let gateway: GatewayProcess | undefined;

beforeAll(async () => {
  broker = await startMosquitto();
  sim = new EsclSimulator({ uuid: randomUUID() });
  await sim.start();
  probe = await connectProbe(broker.url);
  const online = probe.waitFor(`${BASE}/${SCANNER}/availability`, (m) => m.text() === 'online', START_WAIT_MS);
  gateway = await startGateway({
    SCAN2MQTT_MQTT_URL: broker.url,
    SCAN2MQTT_DISCOVERY_MDNS: 'false',
    SCAN2MQTT_POLLING_IDLE_S: '1',
    SCAN2MQTT_HOMEASSISTANT_ENABLED: 'false',
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Office scanner', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
  });
  await online;
}, 90_000);

afterAll(async () => {
  await gateway?.stop();
  await probe?.close();
  await sim?.stop();
  await broker?.stop();
});

describe('scanner data topics with Home Assistant discovery off', () => {
  it('keeps preferences retained, and changes them on set/<key> (refusals snap back)', async () => {
    const initial = await probe.waitFor(`${BASE}/${SCANNER}/preferences`, (m) => m.payload.length > 0, START_WAIT_MS);
    expect(initial.json()).toMatchObject({ source: 'platen', color_mode: 'color', format: 'pdf' });
    const prefs = await probe.collect(`${BASE}/${SCANNER}/preferences`);
    await probe.publish(`${BASE}/${SCANNER}/set/resolution`, '75');
    const changed = await prefs.next((m) => !m.retain && m.json<{ resolution?: number }>().resolution === 75, JOB_WAIT_MS);
    expect(changed.json()).toMatchObject({ resolution: 75, source: 'platen' });
    await probe.publish(`${BASE}/${SCANNER}/set/source`, 'not-a-source');
    const refused = await prefs.next((m) => !m.retain && m !== changed, JOB_WAIT_MS);
    expect(refused.json()).toEqual(changed.json());
    await prefs.stop();
    expect((await probe.retainedJson<{ resolution?: number }>(`${BASE}/${SCANNER}/preferences`))?.resolution).toBe(75);
  });

  it('publishes last_scan and a preview JPEG of the scan, retained', async () => {
    const jobs = await probe.collect(`${BASE}/${SCANNER}/job`);
    await probe.publish(`${BASE}/${SCANNER}/scan`, JSON.stringify({ format: 'jpeg' }));
    const final = await jobs.next((m) => ['done', 'failed', 'cancelled'].includes(m.json<{ state: string }>().state), JOB_WAIT_MS);
    await jobs.stop();
    const job = final.json<{ id: string; state: string; files: string[]; pages: number; error?: unknown }>();
    expect(job.state, JSON.stringify(job.error)).toBe('done');

    const lastScan = await probe.waitFor(`${BASE}/${SCANNER}/last_scan`, (m) => m.payload.length > 0, JOB_WAIT_MS);
    expect(lastScan.json()).toMatchObject({ job: job.id, pages: job.pages, file: relative(gateway!.storageFolder, job.files.at(-1)!) });
    const preview = await probe.waitFor(`${BASE}/${SCANNER}/preview`, (m) => m.payload.length > 0, JOB_WAIT_MS);
    expect((await sharp(preview.payload).metadata()).format).toBe('jpeg');
    expect((await probe.retained(`${BASE}/${SCANNER}/last_scan`))?.toString()).toBe(lastScan.text());
    expect((await probe.retained(`${BASE}/${SCANNER}/preview`))?.equals(preview.payload)).toBe(true);
  });

  it('publishes no Home Assistant discovery', async () => {
    const everything = await probe.collect('homeassistant/#');
    // Ordered per client: once our own marker comes back, anything retained before it has too.
    await probe.publish('homeassistant/marker', 'end');
    await everything.next((m) => m.topic === 'homeassistant/marker');
    expect(everything.messages.filter((m) => m.topic !== 'homeassistant/marker')).toEqual([]);
    await everything.stop();
  });
});
