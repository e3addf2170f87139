/**
 * The WSD panel end to end: the real gateway (child process, default config apart from the
 * broker, polling, hand-listed devices, one profile and one `buttons` binding for every scanner)
 * against a real Mosquitto and the WSD simulator with WS-Eventing.
 *  - A WSD device: its panel lists the destination once; a press publishes on `.../button` and the
 *    Home Assistant event entity's topic and runs the bound profile into a stored multi-page PDF;
 *    a short subscription lifetime is renewed, never duplicated; hostile posts to the event
 *    endpoint are refused with a 4xx while the gateway keeps running; SIGTERM unsubscribes.
 *  - A device speaking eSCL and WSD (both simulators at one address, one UUID): listed once, as
 *    eSCL; an MQTT scan runs over eSCL, a press on its panel over WSD.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/job.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { WsdSimulator } from '../sim/wsd/simulator.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';
import { JOB_WAIT_MS, runScan } from './scan-command.js';

const SCANNER = 'panel_wsd';
const BUTTON = 'Scan to HA';
const SHEETS = 3;
/** Seconds the office device grants a subscription: renewed every couple of seconds. */
const SHORT_LIFETIME_S = 4;
const COMBO_HOST = '127.0.0.63';
const COMBO_UUID = 'c0b0c0b0-0000-4000-8000-00000000e5d3';

let broker: MosquittoBroker;
let wsd: WsdSimulator;
let comboWsd: WsdSimulator;
let comboEscl: EsclSimulator;
let gateway: GatewayProcess;
let probe: MqttProbe;

interface Device {
  id: string;
  protocol: string;
  url: string;
  online: boolean;
}
const devices = async () => (await probe.retainedJson<Device[]>('scan2mqtt/bridge/devices')) ?? [];
const pdfPages = (file: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file]).toString())?.[1]);
const FINAL = ['done', 'failed', 'cancelled'];

beforeAll(async () => {
  broker = await startMosquitto();
  wsd = await WsdSimulator.start({ adfSheets: SHEETS });
  wsd.eventing.maxExpiresS = SHORT_LIFETIME_S;
  comboWsd = await WsdSimulator.start({ host: COMBO_HOST, adfSheets: 2, model: { endpointAddress: `urn:uuid:${COMBO_UUID}`, model: 'Combo 4' } });
  comboEscl = new EsclSimulator({ host: COMBO_HOST, uuid: COMBO_UUID, makeAndModel: 'Combo 4' });
  await comboEscl.start();
  gateway = await startGateway({
    SCAN2MQTT_MQTT_URL: broker.url,
    SCAN2MQTT_DISCOVERY_MDNS: 'false',
    SCAN2MQTT_POLLING_IDLE_S: '1',
    SCAN2MQTT_PROFILES: JSON.stringify({ doc: { source: 'adf', format: 'pdf', resolution: 150, color_mode: 'gray' } }),
    SCAN2MQTT_BUTTONS: JSON.stringify([{ scanner: '*', button: BUTTON, profile: 'doc' }]),
    SCAN2MQTT_DEVICES: JSON.stringify([
      { name: 'Panel WSD', protocol: 'wsd', url: wsd.scanUrl, friendly_name: SCANNER },
      { name: 'Combo over WSD', protocol: 'wsd', url: comboWsd.scanUrl },
      { name: 'Combo over eSCL', protocol: 'escl', url: comboEscl.baseUrl },
    ]),
  });
  probe = await connectProbe(broker.url);
  await probe.waitFor(`scan2mqtt/${SCANNER}/availability`, (m) => m.text() === 'online', 30_000);
}, 90_000);

afterAll(async () => {
  await probe?.close();
  await gateway?.stop();
  await comboEscl?.stop();
  await comboWsd?.close();
  await wsd?.close();
  await broker?.stop();
});

/** Presses `BUTTON` on a simulator's panel; resolves with the scanner's button message and final job event. */
async function press(sim: WsdSimulator, scanner: string) {
  const buttons = await probe.collect(`scan2mqtt/${scanner}/button`);
  const jobs = await probe.collect(`scan2mqtt/${scanner}/job`);
  try {
    const pressed = await sim.eventing.press(BUTTON, 'ADF');
    const button = await buttons.next(undefined, 10_000);
    const final = await jobs.next((m) => FINAL.includes(m.json<JobEvent>().state), JOB_WAIT_MS);
    return { pressed, button: button.json<object>(), final: final.json<JobEvent>(), all: jobs.messages.map((m) => m.json<JobEvent>()) };
  } finally {
    await buttons.stop();
    await jobs.stop();
  }
}

describe('a WSD scanner panel end to end', () => {
  it('lists the bound destination on the panel, once', async () => {
    await expect.poll(() => wsd.eventing.panelEntries(), { timeout: 20_000 }).toEqual([BUTTON]);
  });

  it('a press is published and runs the bound profile into one stored PDF of every sheet', { timeout: 90_000 }, async () => {
    await expect.poll(() => wsd.eventing.panelEntries(), { timeout: 20_000 }).toEqual([BUTTON]);
    const configs = await probe.collect('homeassistant/device/+/config');
    const config = await configs.next((m) => m.text().includes(`scan2mqtt/${SCANNER}`) && m.text().includes('button_event'), 20_000);
    await configs.stop();
    const haTopic = /"(?:state_topic|stat_t)":"([^"]*button_event)"/.exec(config.text())?.[1];
    expect(haTopic).toBeDefined();
    const haEvents = await probe.collect(haTopic!);
    try {
      wsd.adfSheets = SHEETS;
      const { pressed, button, final, all } = await press(wsd, SCANNER);
      expect(button).toMatchObject({ button: BUTTON, action: 'press' });
      expect((await haEvents.next(undefined, 10_000)).json()).toMatchObject({ event_type: BUTTON });
      expect(all[0]?.state).toBe('queued');
      expect(final.state, JSON.stringify(final.error)).toBe('done');
      expect(final.pages).toBe(SHEETS);
      expect(final.files).toHaveLength(1);
      expect(final.files![0]).toMatch(/\.pdf$/);
      expect(pdfPages(final.files![0]!)).toBe(SHEETS);
      // The job the panel started, with its identifier and token, and the profile's settings.
      expect(wsd.panelJobs.map((j) => j.scanIdentifier)).toEqual([pressed.scanIdentifier]);
      expect(wsd.panelJobs[0]?.destinationToken).toBe(wsd.eventing.issued.get(pressed.scanIdentifier));
      const job = [...wsd.jobs.values()].at(-1);
      expect(job).toMatchObject({ source: 'ADF', dpi: 150, color: 'Grayscale8' });
    } finally {
      await haEvents.stop();
    }
  });

  it('a short subscription lifetime is renewed, not replaced: one subscription per kind, one panel entry', { timeout: 30_000 }, async () => {
    const renewed = wsd.eventing.renewCount;
    await expect.poll(() => wsd.eventing.renewCount, { timeout: 20_000 }).toBeGreaterThanOrEqual(renewed + 2);
    // One ScanAvailableEvent subscription (the panel) and one for status, each subscribed once.
    expect(wsd.eventing.subscribeCount).toBe(2);
    expect(wsd.eventing.live()).toHaveLength(2);
    expect(wsd.eventing.panelEntries()).toEqual([BUTTON]);
  });

  it('refuses malformed SOAP, a wrong content type and an oversize body with a 4xx, and keeps running', { timeout: 30_000 }, async () => {
    // Each goes to every live subscription's sink (panel and status): the same answer from each.
    const answers = new Set([
      `malformed ${(await wsd.eventing.postRaw('<soap:Envelope><not-closed')).join()}`,
      `wrong type ${(await wsd.eventing.postRaw('<x/>', 'text/html')).join()}`,
      `oversize ${(await wsd.eventing.postRaw(`<a>${'x'.repeat(200 * 1024)}</a>`)).join()}`,
    ]);
    expect(answers).toEqual(new Set(['malformed 400,400', 'wrong type 415,415', 'oversize 413,413']));
    expect(await probe.retainedJson('scan2mqtt/bridge/state')).toEqual({ state: 'online' });
    expect(gateway.child.exitCode).toBeNull();
    // The panel still works.
    wsd.adfSheets = SHEETS;
    const { final } = await press(wsd, SCANNER);
    expect(final.state, JSON.stringify(final.error)).toBe('done');
  });
});

describe('a device speaking eSCL and WSD, with a panel', () => {
  const comboId = async () => {
    const atCombo = async () => (await devices()).filter((d) => new URL(d.url).hostname === COMBO_HOST);
    await expect.poll(async () => (await atCombo()).map((d) => [d.protocol, d.online]), { timeout: 30_000 }).toEqual([['escl', true]]);
    return (await atCombo())[0]!.id;
  };

  it('appears once, as eSCL, and an MQTT scan runs over eSCL', { timeout: 90_000 }, async () => {
    const id = await comboId();
    expect((await devices()).find((d) => d.id === id)?.url).toBe(comboEscl.baseUrl);
    const { final } = await runScan(probe, id, { source: 'platen', resolution: 75, format: 'jpeg' });
    expect(final.state, JSON.stringify(final.error)).toBe('done');
    expect(comboEscl.jobs).toHaveLength(1);
    expect(comboWsd.actions()).not.toContain('CreateScanJob');
  });

  it('takes its panel press over WSD and scans that job over WSD', { timeout: 90_000 }, async () => {
    const id = await comboId();
    await expect.poll(() => comboWsd.eventing.panelEntries(), { timeout: 30_000 }).toEqual([BUTTON]);
    const esclJobs = comboEscl.jobs.length;
    const { pressed, button, final } = await press(comboWsd, id);
    expect(button).toMatchObject({ button: BUTTON, action: 'press' });
    expect(final.state, JSON.stringify(final.error)).toBe('done');
    expect(final.pages).toBe(2);
    expect(pdfPages(final.files![0]!)).toBe(2);
    expect(comboWsd.panelJobs.map((j) => j.scanIdentifier)).toEqual([pressed.scanIdentifier]);
    expect(comboEscl.jobs).toHaveLength(esclJobs);
    // Still one device, presented by eSCL.
    expect((await devices()).filter((d) => new URL(d.url).hostname === COMBO_HOST)).toHaveLength(1);
  });
});

describe('shutdown', () => {
  it('unsubscribes at SIGTERM', { timeout: 30_000 }, async () => {
    const before = wsd.eventing.unsubscribeCount;
    expect(await gateway.terminate()).toBe(0);
    expect(wsd.eventing.unsubscribeCount).toBe(before + 2);
    expect(wsd.eventing.live()).toEqual([]);
    expect(comboWsd.eventing.live()).toEqual([]);
  });
});
