/**
 * No scan is lost: a document for a paperless-ngx server that is down waits in the outbox,
 * survives a restart of the gateway, and arrives exactly once when the server is back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { PaperlessServer } from '../sim/paperless/paperless-server.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';

const SCANNER = 'office';
const JOB_WAIT_MS = 60_000;
/** Uploads answered 503 while the server "is down". */
const DOWN = 1_000_000;

let broker: MosquittoBroker;
let sim: EsclSimulator;
let paperless: PaperlessServer;
let probe: MqttProbe;
let dataFolder: string;
let gateway: GatewayProcess | undefined;

async function startTheGateway(paperlessUrl: string): Promise<GatewayProcess> {
  const started = await startGateway({
    SCAN2MQTT_MQTT_URL: broker.url,
    SCAN2MQTT_DATA_FOLDER: dataFolder,
    SCAN2MQTT_DISCOVERY_MDNS: 'false',
    SCAN2MQTT_POLLING_IDLE_S: '1',
    SCAN2MQTT_DELIVERY_RETRY_MIN_S: '1',
    SCAN2MQTT_DELIVERY_RETRY_MAX_S: '2',
    SCAN2MQTT_TARGETS: JSON.stringify({ paperless: { type: 'paperless', url: paperlessUrl, token: paperless.token, title: '{scanner} {date}', wait_for_task: false } }),
    SCAN2MQTT_PROFILES: JSON.stringify({ archive: { source: 'platen', resolution: 75, format: 'pdf', targets: ['paperless'] } }),
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Office scanner', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
  });
  await probe.waitFor(`scan2mqtt/${SCANNER}/availability`, (m) => m.text() === 'online', 30_000);
  return started;
}

beforeAll(async () => {
  broker = await startMosquitto();
  sim = new EsclSimulator();
  await sim.start();
  paperless = new PaperlessServer();
  await paperless.start();
  dataFolder = await mkdtemp(join(tmpdir(), 'scan2mqtt-outbox-'));
  probe = await connectProbe(broker.url);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await probe?.close();
  await paperless?.stop();
  await sim?.stop();
  await broker?.stop();
  await rm(dataFolder, { recursive: true, force: true });
});

describe('delivery outbox across a gateway restart', () => {
  it('spools a document while paperless is down and delivers it exactly once after a restart', { timeout: 120_000 }, async () => {
    paperless.faults.failUploads = DOWN;
    gateway = await startTheGateway(paperless.url);

    const jobs = await probe.collect(`scan2mqtt/${SCANNER}/job`);
    await probe.publish(`scan2mqtt/${SCANNER}/scan`, JSON.stringify({ profile: 'archive', id: 'kept-1' }));
    const done = (await jobs.next((m) => ['done', 'failed'].includes(m.json<{ state: string }>().state), JOB_WAIT_MS)).json<{
      state: string;
      targets: { target: string; status: string; outbox?: string[] }[];
    }>();
    await jobs.stop();
    expect(done.state).toBe('done');
    expect(done.targets).toEqual([expect.objectContaining({ target: 'paperless', status: 'spooled' })]);

    const waiting = await probe.bridgeRequest('deliveries');
    expect(waiting.status).toBe('ok');
    expect(JSON.stringify(waiting.data)).toContain('paperless');

    await gateway.stop();
    gateway = undefined;
    expect(paperless.documents).toHaveLength(0);

    paperless.faults.failUploads = 0;
    gateway = await startTheGateway(paperless.url);
    await expect.poll(() => paperless.documents.length, { timeout: 30_000, interval: 200 }).toBe(1);
    const [document] = paperless.documents;
    expect(document?.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(document?.title).toMatch(/^Office scanner \d{4}-\d{2}-\d{2}/);

    // Exactly once: the outbox is empty and nothing else arrives on later retries.
    await expect.poll(async () => JSON.stringify((await probe.bridgeRequest('deliveries')).data), { timeout: 10_000 }).not.toContain('paperless');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(paperless.documents).toHaveLength(1);
  });
});
