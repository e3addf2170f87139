/**
 * HP walk-up Scan to Computer through the real gateway process, a real Mosquitto and the eSCL
 * simulator in walk-up mode: a `*` binding registers its destination, a press on the panel is
 * published on `.../button` and stores a document scanned from the panel's source with the
 * bound profile's other settings, and shutdown removes the destination.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttProbe } from '../helpers/mqtt-probe.js';
import { EsclSimulator, fixturePath } from '../sim/escl/index.js';
import { startGatewayOnBroker, type GatewayOnBroker, type GatewayProcess } from './gateway-process.js';

const SCANNER = 'officejet';
let rig: GatewayOnBroker;
let sim: EsclSimulator;
let gateway: GatewayProcess;
let probe: MqttProbe;

async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  for (const started = Date.now(); Date.now() - started < ms; ) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  sim = new EsclSimulator({ capabilitiesFixture: fixturePath('escl/capabilities/hp-officejet-pro-6978.xml'), hpWalkup: true, adfPages: 0 });
  await sim.start();
  rig = await startGatewayOnBroker(SCANNER, {
    SCAN2MQTT_DISCOVERY_WSD: 'false',
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'OfficeJet', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
    SCAN2MQTT_PROFILES: JSON.stringify({ archive: { source: 'platen', resolution: 300, color_mode: 'gray', format: 'pdf' } }),
    SCAN2MQTT_BUTTONS: JSON.stringify([{ scanner: '*', button: 'Scan to HA', profile: 'archive' }]),
  });
  ({ gateway, probe } = rig);
}, 90_000);

afterAll(async () => {
  await rig?.stop();
  await sim?.stop();
});

describe('HP walk-up end to end', () => {
  it('a press on the panel publishes the button and stores the document from the panel source with the profile', async () => {
    await until(() => [...(sim.walkup?.destinations.values() ?? [])].some((d) => d.name === 'Scan to HA'), 'the destination');
    const caps = JSON.parse((await probe.retained(`scan2mqtt/${SCANNER}/capabilities`))!.toString());
    expect(caps.events).toEqual(['button']);
    await until(() => sim.requests.some((r) => r.path.includes('/EventMgmt/EventTable?timeout=')), 'the long-poll');

    const buttons = await probe.collect(`scan2mqtt/${SCANNER}/button`);
    const jobs = await probe.collect(`scan2mqtt/${SCANNER}/job`);
    const previews = await probe.collect(`scan2mqtt/${SCANNER}/preview`);
    sim.loadAdf(2);
    expect(sim.walkup?.press('Scan to HA', { shortcut: 'SavePDF' })).toBe(true);
    expect((await buttons.next(undefined, 30_000)).json()).toMatchObject({ button: 'Scan to HA', action: 'press' });
    const done = (await jobs.next((m) => ['done', 'failed'].includes(m.json<{ state: string }>().state), 60_000)).json<{ state: string; files: string[]; pages: number }>();
    expect(done.state).toBe('done');
    expect(done.pages).toBe(2);
    // The panel's source (paper in the feeder) with the profile's resolution and colour.
    expect(sim.jobs.at(-1)?.scan).toMatchObject({ source: 'adf-simplex', colorMode: 'Grayscale8', xResolution: 300 });
    const stored = await readdir(gateway.storageFolder, { recursive: true });
    expect(stored.some((f) => String(f).endsWith('.pdf'))).toBe(true);
    // The job's last step: its preview. Waiting for it also keeps the stop below from landing while the
    // gateway loads sharp for it (tsx, which runs the test gateway, kills a child busy for over 60 ms).
    const preview = await previews.next((m) => m.payload.length > 0, 30_000);
    expect(preview.payload.subarray(0, 2).equals(Buffer.from([0xff, 0xd8]))).toBe(true);
  }, 120_000);

  it('shutdown removes the destination', async () => {
    expect([...(sim.walkup?.destinations.values() ?? [])].map((d) => d.name)).toEqual(['Scan to HA']);
    expect(await gateway.terminate()).toBe(0);
    expect([...(sim.walkup?.destinations.values() ?? [])]).toEqual([]);
  }, 60_000);
});
