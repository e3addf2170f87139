/**
 * The job bounds through the whole gateway (child process, real Mosquitto, eSCL
 * simulator), set by their environment variables as a user would: an ADF that never
 * reports empty and a page trickling in each end the job with a typed error on
 * `.../job`, nothing stored, and the device job deleted. The limits are small so the
 * test is quick; the defaults are checked in test/config/job-bounds-config.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttProbe } from '../helpers/mqtt-probe.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { filesUnder, startGatewayOnBroker, type GatewayOnBroker, type GatewayProcess } from './gateway-process.js';
import { runScan } from './scan-command.js';

const SCANNER = 'bounded';
const SMALL = { resolution: 75, color_mode: 'gray', format: 'jpeg', region: { x: 0, y: 0, width: 60, height: 60 } };

let rig: GatewayOnBroker;
let sim: EsclSimulator;
let gateway: GatewayProcess;
let probe: MqttProbe;

beforeAll(async () => {
  sim = new EsclSimulator({ adfPages: 1 });
  await sim.start();
  rig = await startGatewayOnBroker(SCANNER, {
    SCAN2MQTT_POLLING_IDLE_S: '1',
    SCAN2MQTT_SCAN_MAX_PAGES: '4',
    SCAN2MQTT_SCAN_MIN_PAGE_BYTES_PER_S: '20000',
    SCAN2MQTT_SCAN_PAGE_GRACE_S: '1',
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Bounded', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
  });
  ({ gateway, probe } = rig);
}, 90_000);

afterAll(async () => {
  await rig?.stop();
  await sim?.stop();
});

describe('job bounds end to end', () => {
  it('an ADF that never reports empty fails LimitExceeded past SCAN2MQTT_SCAN_MAX_PAGES, storing nothing', async () => {
    sim.inject({ kind: 'endless-adf' });
    const { final } = await runScan(probe, SCANNER, { ...SMALL, source: 'adf' });
    sim.clearFaults();
    expect(final.state).toBe('failed');
    expect(final.error?.code).toBe('LimitExceeded');
    expect(final.error?.message).toMatch(/more than 4 pages \(scan\.max_pages\)/);
    expect(final.files).toEqual([]);
    expect(final.partial).toBeUndefined();
    expect(await filesUnder(gateway.storageFolder)).toEqual([]);
    expect(sim.undeletedJobs()).toEqual([]);
  });

  it('a page trickling in fails Timeout after the grace time, storing nothing; the scanner scans again', async () => {
    sim.inject({ kind: 'slow-body', bytesPerSecond: 100 });
    const { final } = await runScan(probe, SCANNER, { ...SMALL, source: 'platen' });
    sim.clearFaults();
    expect(final.state).toBe('failed');
    expect(final.error?.code).toBe('Timeout');
    expect(final.error?.message).toMatch(/arrived too slowly/);
    expect(await filesUnder(gateway.storageFolder)).toEqual([]);
    expect(sim.undeletedJobs()).toEqual([]);
    const again = await runScan(probe, SCANNER, { ...SMALL, source: 'platen' });
    expect(again.final.state, JSON.stringify(again.final.error)).toBe('done');
  });
});
