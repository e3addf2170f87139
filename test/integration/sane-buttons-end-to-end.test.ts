/**
 * SANE sensor buttons end to end: the real gateway process and a real Mosquitto against a saned
 * whose device exposes sensor options (test/sim/saned/button-saned.ts). A press publishes
 * `.../button` and Home Assistant's event and stores a document with the bound profile; an
 * `action: event` binding stores nothing; presses while busy follow `button_busy` (default queue).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/job.js';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { startButtonSaned } from '../sim/saned/button-saned.js';
import { startGateway } from './gateway-process.js';
import { JOB_WAIT_MS } from './scan-command.js';

const SCANNER = 'lide';
const ONLINE_WAIT_MS = 30_000;
/** The first sensor starts each round of reads (see button-saned.ts). */
const SENSORS = ['scan', 'copy', 'email'];
/** PNG, not the default PDF: the stored file shows the bound profile was used. */
const PROFILES = { document: { format: 'png' } };
const BINDINGS = [
  { scanner: SCANNER, button: 'scan', profile: 'document' },
  { scanner: SCANNER, button: 'copy', profile: 'document' },
  { scanner: SCANNER, button: 'email', action: 'event' },
];

interface Press {
  button: string;
  action: string;
  result: string;
  job?: string;
  reason?: string;
}

let broker: MosquittoBroker;
let probe: MqttProbe;

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

/** A gateway over its own button saned, with the topics a test watches collected from the start. */
async function rig(env: Record<string, string> = {}) {
  const saned = await startButtonSaned(SENSORS);
  const buttons = await probe.collect(`scan2mqtt/${SCANNER}/button`);
  const haEvents = await probe.collect(`scan2mqtt/${SCANNER}/button_event`);
  const jobs = await probe.collect(`scan2mqtt/${SCANNER}/job`);
  const gateway = await startGateway({
    SCAN2MQTT_MQTT_URL: broker.url,
    SCAN2MQTT_DISCOVERY_MDNS: 'false',
    SCAN2MQTT_DISCOVERY_WSD: 'false',
    SCAN2MQTT_PROFILES: JSON.stringify(PROFILES),
    SCAN2MQTT_BUTTONS: JSON.stringify(BINDINGS),
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Button saned', protocol: 'sane', url: `sane://${saned.host}:${saned.port}/${saned.device}`, friendly_name: SCANNER }]),
    ...env,
  });
  await probe.waitFor(`scan2mqtt/${SCANNER}/availability`, (m) => m.text() === 'online', ONLINE_WAIT_MS);
  const final = async (jobId: string) =>
    (await jobs.next((m) => m.json<JobEvent>().id === jobId && ['done', 'failed', 'cancelled'].includes(m.json<JobEvent>().state), JOB_WAIT_MS)).json<JobEvent>();
  /** Presses sensors once the gateway reads them (a baseline reading first), and resolves with the next `count` presses published. */
  const press = async (sensors: string[], count = sensors.length): Promise<Press[]> => {
    const seen = saned.reads(SENSORS[0]!);
    await expect.poll(() => saned.reads(SENSORS[0]!) - seen, { timeout: ONLINE_WAIT_MS, interval: 50 }).toBeGreaterThanOrEqual(2);
    const before = buttons.messages.length;
    saned.press(...sensors);
    await expect.poll(() => buttons.messages.length - before, { timeout: JOB_WAIT_MS, interval: 50 }).toBeGreaterThanOrEqual(count);
    return buttons.messages.slice(before).map((m) => m.json<Press>());
  };
  const stop = async () => {
    await Promise.all([buttons.stop(), haEvents.stop(), jobs.stop()]);
    await gateway.stop();
    await saned.stop();
  };
  return { saned, gateway, buttons, haEvents, jobs, final, press, stop };
}

beforeAll(async () => {
  broker = await startMosquitto();
  probe = await connectProbe(broker.url);
});
afterAll(async () => {
  await probe?.close();
  await broker?.stop();
});

describe('SANE buttons end to end, defaults (button_busy: queue)', () => {
  let r: Awaited<ReturnType<typeof rig>>;
  beforeAll(async () => {
    r = await rig();
  }, 90_000);
  afterAll(async () => r?.stop());

  it('the scanner lists its buttons and gets Home Assistant’s event entity', async () => {
    const caps = JSON.parse((await probe.retained(`scan2mqtt/${SCANNER}/capabilities`))!.toString());
    expect(caps).toMatchObject({ protocol: 'sane', buttons: SENSORS, events: ['button'] });
    const config = await probe.waitFor(`homeassistant/device/scan2mqtt_${SCANNER}/config`, (m) => m.payload.length > 0, ONLINE_WAIT_MS);
    expect(config.json<{ cmps: { button?: { p: string; event_types: string[] } } }>().cmps.button).toMatchObject({ p: 'event', event_types: expect.arrayContaining(SENSORS) });
  });

  it('a press publishes .../button and the HA event, and stores one document with the bound profile', async () => {
    const [press] = await r.press(['scan']);
    expect(press).toMatchObject({ button: 'scan', action: 'press', result: 'started' });
    expect((await r.haEvents.next((m) => m.json<{ job?: string }>().job === press!.job, JOB_WAIT_MS)).json()).toEqual({ event_type: 'scan', action: 'press', result: 'started', job: press!.job });
    const done = await r.final(press!.job!);
    expect(done.state, JSON.stringify(done.error)).toBe('done');
    expect(done.trigger).toBe('button');
    expect(done.files).toHaveLength(1);
    expect(done.files[0]).toMatch(/\.png$/);
    expect(await filesUnder(r.gateway.storageFolder)).toEqual(done.files);
  }, 90_000);

  it('an `action: event` binding publishes the press and stores nothing', async () => {
    const stored = await filesUnder(r.gateway.storageFolder);
    const starts = r.saned.starts();
    const jobsBefore = r.jobs.messages.length;
    const [press] = await r.press(['email']);
    expect(press).toEqual({ button: 'email', action: 'press', result: 'event' });
    expect((await r.haEvents.next((m) => m.json<{ event_type: string }>().event_type === 'email')).json()).toEqual({ event_type: 'email', action: 'press', result: 'event' });
    // A later scan press is the next job: the event press queued none before it.
    const [next] = await r.press(['scan']);
    await r.final(next!.job!);
    expect(r.jobs.messages.slice(jobsBefore).every((m) => m.json<JobEvent>().id === next!.job)).toBe(true);
    expect(r.saned.starts()).toBe(starts + 1);
    expect(await filesUnder(r.gateway.storageFolder)).toHaveLength(stored.length + 1);
  }, 90_000);

  it('two buttons pressed together: the second press finds the scanner busy and is queued, and both are stored', async () => {
    const stored = await filesUnder(r.gateway.storageFolder);
    const presses = await r.press(['scan', 'copy']);
    expect(Object.fromEntries(presses.map((p) => [p.button, p.result]))).toEqual({ scan: 'started', copy: 'queued' });
    for (const p of presses) expect((await r.final(p.job!)).state).toBe('done');
    expect(await filesUnder(r.gateway.storageFolder)).toHaveLength(stored.length + 2);
  }, 90_000);
});

describe('SANE buttons end to end, button_busy: refuse', () => {
  let r: Awaited<ReturnType<typeof rig>>;
  beforeAll(async () => {
    r = await rig({ SCAN2MQTT_BUTTON_BUSY: 'refuse' });
  }, 90_000);
  afterAll(async () => r?.stop());

  it('the second of two presses together is refused with the reason, on .../button and the HA event; one document is stored', async () => {
    // The refusal is published at once, the started scan once it is queued: in either order.
    const presses = await r.press(['scan', 'copy']);
    const byButton = Object.fromEntries(presses.map((p) => [p.button, p]));
    expect(byButton.scan?.result).toBe('started');
    expect(byButton.copy).toMatchObject({ result: 'refused', reason: expect.stringMatching(/busy/) });
    expect((await r.haEvents.next((m) => m.json<{ result: string }>().result === 'refused')).json()).toMatchObject({ event_type: 'copy', result: 'refused' });
    expect((await r.final(byButton.scan!.job!)).state).toBe('done');
    expect(await filesUnder(r.gateway.storageFolder)).toHaveLength(1);
    expect(r.saned.starts()).toBe(1);
  }, 90_000);
});
