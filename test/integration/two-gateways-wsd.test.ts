/**
 * Issue 11 item 5: two gateway processes on one broker, with their own base topics and instance ids,
 * share one WSD device (the simulator, hand-listed in both). Each registers its own panel entry,
 * whose ClientContext carries its instance; a press of one gateway's entry scans on that gateway only,
 * even when the device notifies every subscriber of the press.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/job.js';
import { clientContextFor } from '../../src/protocols/wsd/device-events.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type Collector, type MqttProbe } from '../helpers/mqtt-probe.js';
import { WsdSimulator } from '../sim/wsd/simulator.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';
import { JOB_WAIT_MS } from './scan-command.js';

const SCANNER = 'mfp';
const PANEL_ENTRY = 'Scan to HA';
const ONLINE_WAIT_MS = 30_000;

interface Instance {
  base: string;
  instance: string;
  gateway: GatewayProcess;
  buttons: Collector;
  jobs: Collector;
}

let broker: MosquittoBroker;
let wsd: WsdSimulator;
let probe: MqttProbe;
const instances: Instance[] = [];

async function startInstance(base: string, instance: string): Promise<Instance> {
  const buttons = await probe.collect(`${base}/${SCANNER}/button`);
  const jobs = await probe.collect(`${base}/${SCANNER}/job`);
  const gateway = await startGateway({
    SCAN2MQTT_MQTT_URL: broker.url,
    SCAN2MQTT_MQTT_BASE_TOPIC: base,
    SCAN2MQTT_MQTT_CLIENT_ID: `${base}-client`,
    SCAN2MQTT_HOMEASSISTANT_INSTANCE_ID: instance,
    SCAN2MQTT_DISCOVERY_MDNS: 'false',
    SCAN2MQTT_DISCOVERY_WSD: 'false',
    SCAN2MQTT_BUTTONS: JSON.stringify([{ scanner: SCANNER, button: PANEL_ENTRY }]),
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Shared MFP', protocol: 'wsd', url: wsd.scanUrl, friendly_name: SCANNER }]),
  });
  await probe.waitFor(`${base}/${SCANNER}/availability`, (m) => m.text() === 'online', ONLINE_WAIT_MS);
  return { base, instance, gateway, buttons, jobs };
}

const finalJob = async (jobs: Collector) =>
  (await jobs.next((m) => ['done', 'failed', 'cancelled'].includes(m.json<JobEvent>().state), JOB_WAIT_MS)).json<JobEvent>();

beforeAll(async () => {
  broker = await startMosquitto();
  wsd = await WsdSimulator.start();
  probe = await connectProbe(broker.url);
  instances.push(await startInstance('gwa', 'gateway_a'), await startInstance('gwb', 'gateway_b'));
}, 120_000);

afterAll(async () => {
  for (const i of instances) await i.gateway.stop();
  await probe?.close();
  await wsd?.close();
  await broker?.stop();
});

describe('two gateways, one WSD device', () => {
  it('the two panel entries carry different ClientContexts, one per instance', async () => {
    // Both entries on the panel: one subscription per gateway.
    await expect.poll(() => wsd.eventing.panelEntries(), { timeout: ONLINE_WAIT_MS }).toEqual([PANEL_ENTRY, PANEL_ENTRY]);
    const contexts = wsd.eventing.live().flatMap((s) => s.destinations.map((d) => d.context)).sort();
    expect(contexts).toEqual(instances.map((i) => clientContextFor(i.instance, PANEL_ENTRY)).sort());
  });

  it('a press of one gateway’s entry, told to every subscriber, scans on that gateway only', async () => {
    const [a, b] = instances as [Instance, Instance];
    await wsd.eventing.pressToAll(clientContextFor(a.instance, PANEL_ENTRY));
    expect((await a.buttons.next(() => true, JOB_WAIT_MS)).json()).toMatchObject({ button: PANEL_ENTRY, result: 'started' });
    expect((await finalJob(a.jobs)).state).toBe('done');
    // Then B's own entry: B scans; A hears nothing of it.
    await wsd.eventing.pressToAll(clientContextFor(b.instance, PANEL_ENTRY));
    expect((await b.buttons.next(() => true, JOB_WAIT_MS)).json()).toMatchObject({ button: PANEL_ENTRY, result: 'started' });
    expect((await finalJob(b.jobs)).state).toBe('done');
    expect(a.buttons.messages).toHaveLength(1);
    expect(b.buttons.messages).toHaveLength(1);
    expect(a.jobs.messages.map((m) => m.json<JobEvent>().id).filter((id, n, all) => all.indexOf(id) === n)).toHaveLength(1);
    expect(wsd.jobs.size).toBe(2);
  }, 120_000);
});
