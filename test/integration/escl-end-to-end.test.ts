/**
 * The whole gateway against a real Mosquitto and the eSCL simulator: retained topics,
 * a platen scan and an ADF batch on MQTT commands, bad commands, and a device that is
 * unplugged mid-batch (its complete pages are kept, by default). The gateway runs as a
 * child process configured by env vars.
 */
import { execFileSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttProbe } from '../helpers/mqtt-probe.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { filesUnder, startGatewayOnBroker, type GatewayOnBroker, type GatewayProcess } from './gateway-process.js';
import { runScan } from './scan-command.js';

const SCANNER = 'sim';

let rig: GatewayOnBroker;
let sim: EsclSimulator;
let gateway: GatewayProcess;
let probe: MqttProbe;

/** Sends a scan command and resolves with the job's final event. */
const scan = async (command: object | string): Promise<{ final: any; all: any[] }> => runScan(probe, SCANNER, command);

beforeAll(async () => {
  sim = new EsclSimulator({ adfPages: 5 });
  await sim.start();
  rig = await startGatewayOnBroker(SCANNER, {
    SCAN2MQTT_POLLING_IDLE_S: '1',
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Simulated AirSane', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
  });
  ({ gateway, probe } = rig);
}, 90_000);

afterAll(async () => {
  await rig?.stop();
  await sim?.stop();
});

describe('eSCL scanner end to end', () => {
  it('publishes the retained bridge and scanner topics', async () => {
    expect(JSON.parse((await probe.retained('scan2mqtt/bridge/state'))!.toString())).toEqual({ state: 'online' });
    const devices = JSON.parse((await probe.retained('scan2mqtt/bridge/devices'))!.toString());
    expect(devices).toContainEqual(expect.objectContaining({ id: SCANNER, protocol: 'escl', online: true, url: sim.baseUrl }));
    const caps = JSON.parse((await probe.retained(`scan2mqtt/${SCANNER}/capabilities`))!.toString());
    expect(caps.protocol).toBe('escl');
    expect(Object.keys(caps.sources).sort()).toEqual(['adf', 'platen']);
    expect(caps.sources.platen.resolutions).toContain(300);
    const state = JSON.parse((await probe.retained(`scan2mqtt/${SCANNER}`))!.toString());
    expect(state.status).toBe('idle');
    const info = JSON.parse((await probe.retained('scan2mqtt/bridge/info'))!.toString());
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('scans one platen page to a JPEG file and reports it done', async () => {
    const { final, all } = await scan({ source: 'platen', resolution: 150, color_mode: 'color', format: 'jpeg', id: 'platen-1' });
    expect(final.state).toBe('done');
    expect(final.id).toBe('platen-1');
    expect(all.map((e) => e.state)).toEqual(expect.arrayContaining(['queued', 'scanning', 'storing', 'done']));
    expect(final.files).toHaveLength(1);
    const meta = await sharp(final.files[0]).metadata();
    expect(meta.format).toBe('jpeg');
    // Default region: 215.9 x 297 mm at 150 dpi.
    expect(meta.width).toBeCloseTo(1275, -1);
    expect(meta.height).toBeCloseTo(1754, -1);
    expect(final.files[0].startsWith(gateway.storageFolder)).toBe(true);
  });

  it('scans a 5-page ADF batch into one PDF', async () => {
    sim.loadAdf(5);
    const { final, all } = await scan({ source: 'adf', resolution: 150, color_mode: 'gray', format: 'pdf' });
    expect(final.state, JSON.stringify(final.error)).toBe('done');
    expect(final.pages).toBe(5);
    expect(final.files).toHaveLength(1);
    const info = execFileSync('pdfinfo', [final.files[0]]).toString();
    expect(info).toMatch(/Pages:\s+5/);
    const progress = all.filter((e) => e.state === 'scanning' && e.pages > 0);
    expect(progress.length).toBeGreaterThan(0);
    expect(sim.undeletedJobs()).toHaveLength(0);
  });

  it('scans an ADF batch to one JPEG file per page', async () => {
    sim.loadAdf(3);
    const { final } = await scan({ source: 'adf', resolution: 75, format: 'jpeg' });
    expect(final.state).toBe('done');
    expect(final.files).toHaveLength(3);
    for (const file of final.files) expect((await stat(file)).size).toBeGreaterThan(1000);
  });

  it('answers bad commands with a failed job event and keeps running', async () => {
    const notJson = await scan('{not json');
    expect(notJson.final.state).toBe('failed');
    expect(notJson.final.error.code).toBe('InvalidRequest');
    const badResolution = await scan({ resolution: 12345 });
    expect(badResolution.final.error.message).toMatch(/resolution 12345/);
    const unknownField = await scan({ colour: 'red' });
    expect(unknownField.final.error.message).toMatch(/unknown field "colour"/);
    const badSource = await scan({ source: 'adf_duplex' });
    expect(badSource.final.error.message).toMatch(/adf_duplex/);
    expect(gateway.child.exitCode).toBeNull();
  });

  it('refuses a rename to a name with control characters, keeping the published name', async () => {
    const response = await probe.bridgeRequest('device/rename', { id: SCANNER, name: 'Evil\u0000\u001b[2JName' });
    expect(response).toMatchObject({ status: 'error', data: { code: 'InvalidRequest' }, error: expect.stringMatching(/control character/) });
    const devices = JSON.parse((await probe.retained('scan2mqtt/bridge/devices'))!.toString()) as { id: string; name: string }[];
    expect(devices.find((d) => d.id === SCANNER)?.name).toBe('Simulated AirSane');
  });

  it('keeps the complete pages, and no incomplete one, when the scanner is unplugged mid-page', async () => {
    const before = await filesUnder(gateway.storageFolder);
    sim.loadAdf(5);
    sim.inject({ kind: 'cut-body', afterBytes: 20_000, afterPages: 2 });
    const { final } = await scan({ source: 'adf', resolution: 150, color_mode: 'color', format: 'png' });
    sim.clearFaults();
    expect(final.state).toBe('failed');
    expect(final.error.code).toMatch(/DeviceOffline|DeviceError|ProtocolError/);
    expect(final.partial).toBe(true);
    expect(final.pages).toBe(2);
    const added = (await filesUnder(gateway.storageFolder)).filter((f) => !before.includes(f));
    expect(added.sort()).toEqual([...final.files].sort());
    expect(added).toHaveLength(2);
    // Whole pages: full height, not the few rows of a cut-off one.
    for (const file of added) expect((await sharp(file).metadata()).height).toBeCloseTo(1754, -1);
  });

  it('keeps the page scanned before the scanner went away, then scans again once it is back', async () => {
    const before = await filesUnder(gateway.storageFolder);
    sim.loadAdf(5);
    sim.inject({ kind: 'unplug', afterPages: 1 });
    const { final } = await scan({ source: 'adf', resolution: 150, format: 'pdf' });
    expect(final.state).toBe('failed');
    expect(final.error.code).toMatch(/DeviceOffline|DeviceError|ProtocolError/);
    expect(final.partial).toBe(true);
    expect(final.files).toHaveLength(1);
    expect((await filesUnder(gateway.storageFolder)).filter((f) => !before.includes(f))).toEqual(final.files);
    expect(execFileSync('pdfinfo', [final.files[0]]).toString()).toMatch(/Pages:\s+1\b/);
    sim.clearFaults();
    // The gateway notices the device is back and scans again.
    sim.loadAdf(1);
    const again = await scan({ source: 'adf', resolution: 75, format: 'jpeg' });
    expect(again.final.state, JSON.stringify(again.final.error)).toBe('done');
  });

  it('publishes offline and exits 0 on SIGTERM', async () => {
    const states = await probe.collect('scan2mqtt/bridge/state');
    const code = await gateway.stop();
    expect(code).toBe(0);
    await states.next((m) => m.text().includes('offline'), 10_000);
  });
});
