/**
 * The gateway's first and last moments, as a user's automations meet them: a scan command
 * sent before the gateway has reached a scanner, or right after the scanner came back,
 * runs; SIGTERM in the middle of a job still publishes and records the job's end.
 * The real gateway process with its default polling, a real Mosquitto and the eSCL simulator.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScannerStatePayload, ScannerView } from '../../src/core/gateway-api.js';
import type { JobEvent } from '../../src/core/job.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';
import { JOB_WAIT_MS, runScan } from './scan-command.js';

const SCANNER = 'sim';
/** Long enough that a command sent on seeing the scanner listed lands while the gateway still waits for it. */
const WAKE_UP_MS = 2_000;
/** Default polling notices a vanished scanner after idle_s + 2 x busy_s (14 s); a limit, not an assertion. */
const OFFLINE_WAIT_MS = 60_000;
const FINAL_STATES = ['done', 'failed', 'cancelled'];
const SMALL_PLATEN = { source: 'platen', resolution: 75, color_mode: 'gray', format: 'jpeg' };

let broker: MosquittoBroker;
let sim: EsclSimulator;
let gateway: GatewayProcess | undefined;
let probe: MqttProbe;

beforeAll(async () => {
  broker = await startMosquitto();
  sim = new EsclSimulator();
  await sim.start();
  probe = await connectProbe(broker.url);
}, 60_000);

afterAll(async () => {
  await probe?.close();
  await gateway?.stop();
  await sim?.stop();
  await broker?.stop();
});

describe('gateway start and stop', () => {
  it('runs a scan command sent as soon as bridge/devices lists a scanner the gateway has not reached yet', async () => {
    sim.inject({ kind: 'slow-answer', delayMs: WAKE_UP_MS });
    const devices = await probe.collect('scan2mqtt/bridge/devices');
    gateway = await startGateway({
      SCAN2MQTT_MQTT_URL: broker.url,
      SCAN2MQTT_DISCOVERY_MDNS: 'false',
      SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Simulated AirSane', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
    });
    const listed = await devices.next((m) => m.json<ScannerView[]>().some((d) => d.id === SCANNER), 30_000);
    await devices.stop();
    // The premise: the command goes out while the first contact is still under way.
    expect(listed.json<ScannerView[]>().find((d) => d.id === SCANNER)?.online).toBe(false);
    const { final } = await runScan(probe, SCANNER, { ...SMALL_PLATEN, id: 'early' });
    expect(final.state, JSON.stringify(final.error)).toBe('done');
    expect(final.id).toBe('early');
    expect(final.files).toHaveLength(1);
  }, 90_000);

  it('runs a scan command sent right after a scanner that was offline came back', async () => {
    await probe.waitFor(`scan2mqtt/${SCANNER}/availability`, (m) => m.text() === 'online', 30_000);
    sim.inject({ kind: 'offline' });
    await probe.waitFor(`scan2mqtt/${SCANNER}/availability`, (m) => m.text() === 'offline', OFFLINE_WAIT_MS);
    sim.clearFaults();
    sim.inject({ kind: 'slow-answer', delayMs: WAKE_UP_MS });
    const { final } = await runScan(probe, SCANNER, { ...SMALL_PLATEN, id: 'after-reconnect' });
    expect(final.state, JSON.stringify(final.error)).toBe('done');
    expect(final.files).toHaveLength(1);
  }, 120_000);

  it('on SIGTERM mid-job publishes and records the job end, leaves no "processing" state, and exits 0', async () => {
    const running = gateway!;
    await probe.waitFor(`scan2mqtt/${SCANNER}/availability`, (m) => m.text() === 'online', 30_000);
    // The device takes the job, then never sends the page: the job stays scanning until the gateway stops.
    sim.inject({ kind: 'hang' });
    const jobs = await probe.collect(`scan2mqtt/${SCANNER}/job`);
    const bridgeStates = await probe.collect('scan2mqtt/bridge/state');
    await probe.publish(`scan2mqtt/${SCANNER}/scan`, JSON.stringify({ ...SMALL_PLATEN, id: 'interrupted' }));
    await jobs.next((m) => m.json<JobEvent>().state === 'scanning', JOB_WAIT_MS);

    expect(await running.terminate()).toBe(0);

    const final = (await jobs.next((m) => FINAL_STATES.includes(m.json<JobEvent>().state), 10_000)).json<JobEvent>();
    await jobs.stop();
    expect(final).toMatchObject({ id: 'interrupted', state: 'cancelled', files: [] });
    const history = JSON.parse(await readFile(join(running.dataFolder, 'history.json'), 'utf8')) as { jobs: JobEvent[] };
    expect(history.jobs).toContainEqual(expect.objectContaining({ id: 'interrupted', state: 'cancelled' }));
    const state = await probe.retainedJson<ScannerStatePayload>(`scan2mqtt/${SCANNER}`);
    expect(state?.status).toBe('offline');
    expect(state?.job).toMatchObject({ id: 'interrupted', state: 'cancelled' });
    expect((await probe.retained(`scan2mqtt/${SCANNER}/availability`))?.toString()).toBe('offline');
    await bridgeStates.next((m) => m.json<{ state: string }>().state === 'offline', 10_000);
    await bridgeStates.stop();
    expect(sim.undeletedJobs()).toHaveLength(0);
  }, 90_000);

  it('on SIGTERM while a job is storing lets it finish: "done" is published and recorded, the file is there, exit 0', async () => {
    // OCR makes storing take seconds, long enough to send the signal in the middle of it.
    const storing = await startGateway({
      SCAN2MQTT_MQTT_URL: broker.url,
      SCAN2MQTT_DISCOVERY_MDNS: 'false',
      SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Simulated AirSane', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
      SCAN2MQTT_PROFILES: JSON.stringify({ searchable: { source: 'platen', resolution: 300, color_mode: 'gray', format: 'pdf', document: { ocr_language: 'eng' } } }),
    });
    gateway = storing;
    sim.clearFaults();
    await probe.waitFor(`scan2mqtt/${SCANNER}/availability`, (m) => m.text() === 'online', 30_000);
    const jobs = await probe.collect(`scan2mqtt/${SCANNER}/job`);
    await probe.publish(`scan2mqtt/${SCANNER}/scan`, JSON.stringify({ profile: 'searchable', id: 'storing' }));
    await jobs.next((m) => m.json<JobEvent>().state === 'storing', JOB_WAIT_MS);

    expect(await storing.terminate()).toBe(0);

    const final = (await jobs.next((m) => FINAL_STATES.includes(m.json<JobEvent>().state), 10_000)).json<JobEvent>();
    await jobs.stop();
    expect(final).toMatchObject({ id: 'storing', state: 'done' });
    expect(final.files).toHaveLength(1);
    await expect(readFile(final.files[0]!)).resolves.toBeInstanceOf(Buffer);
    const history = JSON.parse(await readFile(join(storing.dataFolder, 'history.json'), 'utf8')) as { jobs: JobEvent[] };
    expect(history.jobs).toContainEqual(expect.objectContaining({ id: 'storing', state: 'done' }));
    const state = await probe.retainedJson<ScannerStatePayload>(`scan2mqtt/${SCANNER}`);
    expect(state?.status).toBe('offline');
    expect(state?.job).toMatchObject({ id: 'storing', state: 'done' });
  }, 120_000);
});
