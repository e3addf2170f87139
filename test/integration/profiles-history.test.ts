/**
 * Profiles and job history end to end: the real gateway process, a real Mosquitto and the
 * eSCL simulator. A `{"profile":"photo"}` command scans with the profile's settings adapted to
 * the device (reported in the job event), a `refuse` profile fails clearly, and the job history
 * is readable through `bridge/request/history`, also after a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttProbe } from '../helpers/mqtt-probe.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { startGatewayOnBroker, type GatewayOnBroker } from './gateway-process.js';
import { runScan } from './scan-command.js';

const SCANNER = 'sim';
const PROFILES = {
  // The simulator offers 75/150/300/600/1200 dpi, colour and gray, platen and a simplex ADF.
  photo: { source: 'platen', resolution: 100, color_mode: 'bw', format: 'jpeg', page_size: 'a6' },
  document: { source: 'adf_duplex', resolution: 75, color_mode: 'gray', format: 'pdf' },
  strict: { source: 'platen', color_mode: 'bw', adapt: 'refuse' },
};

let rig: GatewayOnBroker;
let sim: EsclSimulator;
let probe: MqttProbe;
let dataFolder: string;

const scan = async (command: object): Promise<any> => (await runScan(probe, SCANNER, command)).final;

const bridgeRequest = (action: string, body: Record<string, unknown>) => probe.bridgeRequest<any>(action, body);

beforeAll(async () => {
  dataFolder = await mkdtemp(join(tmpdir(), 'scan2mqtt-profiles-'));
  sim = new EsclSimulator({ adfPages: 2 });
  await sim.start();
  // The history lives in this data folder, which outlives the gateway restart below.
  rig = await startGatewayOnBroker(SCANNER, {
    SCAN2MQTT_DATA_FOLDER: dataFolder,
    SCAN2MQTT_POLLING_IDLE_S: '1',
    SCAN2MQTT_PROFILES: JSON.stringify(PROFILES),
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Simulated AirSane', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
  });
  ({ probe } = rig);
}, 90_000);

afterAll(async () => {
  await rig?.stop();
  await sim?.stop();
  if (dataFolder) await rm(dataFolder, { recursive: true, force: true });
});

describe('profiles and job history end to end', () => {
  it('scans with a profile chosen by command, adapting what the device cannot do', async () => {
    const final = await scan({ profile: 'photo', id: 'photo-1' });
    expect(final.state, JSON.stringify(final.error)).toBe('done');
    expect(final.adapted).toEqual(['resolution 100 -> 75', 'color_mode bw -> gray']);
    expect(final.settings).toMatchObject({ source: 'platen', resolution: 75, color_mode: 'gray', format: 'jpeg', region: { width: 105, height: 148 } });
    const meta = await sharp(final.files[0]).metadata();
    expect(meta.format).toBe('jpeg');
    // A6 at 75 dpi: 105 x 148 mm.
    expect(meta.width).toBeCloseTo(310, -1);
  });

  it('adapts a duplex profile to the simplex feeder', async () => {
    sim.loadAdf(2);
    const final = await scan({ profile: 'document' });
    expect(final.state, JSON.stringify(final.error)).toBe('done');
    expect(final.adapted).toEqual(['source adf_duplex -> adf']);
    expect(final.pages).toBe(2);
  });

  it('refuses a profile with adapt: refuse, saying what would have to change', async () => {
    const final = await scan({ profile: 'strict' });
    expect(final.state).toBe('failed');
    expect(final.error.message).toMatch(/profile "strict" does not fit this scanner \(adapt: refuse\): color_mode bw -> gray/);
  });

  it('answers bridge/request/history, newest first, filtered and limited', async () => {
    const response = await bridgeRequest('history', { scanner: SCANNER, limit: 5 });
    expect(response.status).toBe('ok');
    const jobs = response.data.jobs;
    expect(jobs.map((j: { profile: string }) => j.profile)).toEqual(['document', 'photo']);
    expect(jobs[1]).toMatchObject({ id: 'photo-1', state: 'done', scanner: SCANNER, adapted: ['resolution 100 -> 75', 'color_mode bw -> gray'], target_names: [] });
    expect(jobs[1].targets).toEqual([expect.objectContaining({ status: 'delivered' })]);
    expect(jobs[1].files).toHaveLength(1);
    expect((await bridgeRequest('history', { limit: 0 })).status).toBe('error');
  });

  it('keeps the history across a restart', async () => {
    expect(await rig.gateway.stop()).toBe(0);
    await rig.startGatewayAgain();
    const response = await bridgeRequest('history', { limit: 1 });
    expect(response.data.jobs).toEqual([expect.objectContaining({ profile: 'document', state: 'done', pages: 2 })]);
    const deliveries = await bridgeRequest('deliveries', {});
    expect(deliveries).toMatchObject({ status: 'ok', data: { deliveries: [] } });
  });
});
