/**
 * The virtual button `adf_loaded` end to end: the real gateway process with its default polling and
 * debounce, a real Mosquitto and the eSCL simulator, whose ScannerStatus reports its feeder
 * (ScannerAdfEmpty / ScannerAdfLoaded). Paper put in the feeder publishes the press on
 * `.../button` and Home Assistant's event entity and stores one document with the bound profile;
 * paper still in the feeder after a jam is cleared is the same load and is not scanned again.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/job.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type Collector, type MqttProbe } from '../helpers/mqtt-probe.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';
import { JOB_WAIT_MS } from './scan-command.js';

const SCANNER = 'feeder';
const ONLINE_WAIT_MS = 30_000;
/** A small grey PDF from the feeder, so each page is quick. */
const PROFILES = { document: { source: 'adf', resolution: 75, color_mode: 'gray', format: 'pdf' } };

let broker: MosquittoBroker;
let sim: EsclSimulator;
let gateway: GatewayProcess;
let probe: MqttProbe;
let buttons: Collector;
let haEvents: Collector;
let jobs: Collector;

interface Press {
  button: string;
  action: string;
  result?: string;
  job?: string;
}

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Waits until the gateway's retained state shows the feeder so (the current one counts). */
const adfState = (adf: string) => probe.waitFor(`scan2mqtt/${SCANNER}`, (m) => m.json<{ adf: string }>().adf === adf, ONLINE_WAIT_MS);
const statusRequests = () => sim.requests.filter((r) => r.path.endsWith('/ScannerStatus')).length;
const finalOf = async (jobId: string) =>
  (await jobs.next((m) => m.json<JobEvent>().id === jobId && ['done', 'failed', 'cancelled'].includes(m.json<JobEvent>().state), JOB_WAIT_MS)).json<JobEvent>();

beforeAll(async () => {
  broker = await startMosquitto();
  sim = new EsclSimulator({ adfPages: 0 });
  await sim.start();
  probe = await connectProbe(broker.url);
  buttons = await probe.collect(`scan2mqtt/${SCANNER}/button`);
  haEvents = await probe.collect(`scan2mqtt/${SCANNER}/button_event`);
  jobs = await probe.collect(`scan2mqtt/${SCANNER}/job`);
  gateway = await startGateway({
    SCAN2MQTT_MQTT_URL: broker.url,
    SCAN2MQTT_DISCOVERY_MDNS: 'false',
    SCAN2MQTT_DISCOVERY_WSD: 'false',
    SCAN2MQTT_PROFILES: JSON.stringify(PROFILES),
    SCAN2MQTT_BUTTONS: JSON.stringify([{ scanner: SCANNER, button: 'adf_loaded', profile: 'document' }]),
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Feeder sim', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
  });
  await probe.waitFor(`scan2mqtt/${SCANNER}/availability`, (m) => m.text() === 'online', ONLINE_WAIT_MS);
}, 90_000);

afterAll(async () => {
  await probe?.close();
  await gateway?.stop();
  await sim?.stop();
  await broker?.stop();
});

describe('adf_loaded end to end (eSCL)', () => {
  it('the scanner gets Home Assistant’s event entity with adf_loaded', async () => {
    const config = await probe.waitFor(`homeassistant/device/scan2mqtt_${SCANNER}/config`, (m) => m.payload.length > 0, ONLINE_WAIT_MS);
    expect(config.json<{ cmps: { button?: { p: string; event_types: string[] } } }>().cmps.button).toMatchObject({ p: 'event', event_types: expect.arrayContaining(['adf_loaded']) });
  });

  it('paper put in the empty feeder publishes the press and stores one document with the bound profile', async () => {
    await adfState('empty');
    sim.loadAdf(2);
    const press = (await buttons.next(() => true, JOB_WAIT_MS)).json<Press>();
    expect(press).toMatchObject({ button: 'adf_loaded', action: 'loaded', result: 'started' });
    expect((await haEvents.next(() => true, JOB_WAIT_MS)).json()).toMatchObject({ event_type: 'adf_loaded', result: 'started', job: press.job });
    const final = await finalOf(press.job!);
    expect(final.state, JSON.stringify(final.error)).toBe('done');
    expect(final.trigger).toBe('button');
    expect(final.pages).toBe(2);
    expect(final.files).toHaveLength(1);
    expect(final.files[0]).toMatch(/\.pdf$/);
    expect(await filesUnder(gateway.storageFolder)).toEqual(final.files);
    expect(sim.jobs.at(-1)?.scan).toMatchObject({ feeder: true, xResolution: 75 });
  }, 90_000);

  it('paper left in the feeder after a jam is cleared is the same load: scanned once; after the feeder was empty, a new load scans again', async () => {
    await adfState('empty');
    sim.inject({ kind: 'jam', afterPages: 1 });
    sim.loadAdf(3);
    const jammed = (await buttons.next((m) => m.json<Press>().job !== buttons.messages[0]?.json<Press>().job, JOB_WAIT_MS)).json<Press>();
    expect(jammed.result).toBe('started');
    expect((await finalOf(jammed.job!)).state).toBe('failed');
    await adfState('jam');
    // The user clears the jam: the rest of the stack is still in, the feeder never was empty.
    sim.loadAdf(2);
    await adfState('loaded');
    // Long enough for a press to have shown: polls (polling.watched_s, 2 s) spanning the debounce (2 s).
    const seen = statusRequests();
    await expect.poll(() => statusRequests() - seen, { timeout: ONLINE_WAIT_MS, interval: 200 }).toBeGreaterThanOrEqual(3);
    expect(buttons.messages).toHaveLength(2);
    sim.loadAdf(0);
    await adfState('empty');
    sim.loadAdf(1);
    const third = (await buttons.next((m) => m.json<Press>().job !== jammed.job && m !== buttons.messages[0], JOB_WAIT_MS)).json<Press>();
    expect(third).toMatchObject({ button: 'adf_loaded', result: 'started' });
    expect((await finalOf(third.job!)).state).toBe('done');
    expect(buttons.messages).toHaveLength(3);
    expect(sim.jobs).toHaveLength(3);
  }, 120_000);
});
