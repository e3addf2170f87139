/**
 * WSD scanners end to end: the real gateway (child process, default config apart from the
 * broker, polling and the hand-listed devices) against a real Mosquitto and the WSD simulator.
 *  - A hand-listed WSD device: capabilities published, a multi-page ADF batch into one PDF on
 *    an MQTT command; malformed SOAP, a wrong content type, a broken multipart boundary and a
 *    device fault each fail the job with a clear error while the gateway keeps running.
 *  - A device speaking eSCL and WSD (the eSCL and WSD simulators at one address, one UUID),
 *    both hand-listed: one scanner, scanned over eSCL.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttProbe } from '../helpers/mqtt-probe.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { WsdSimulator, type BrokenAnswer } from '../sim/wsd/simulator.js';
import { startGatewayOnBroker, type GatewayOnBroker } from './gateway-process.js';
import { runScan } from './scan-command.js';

const SCANNER = 'office_wsd';
const COMBO_HOST = '127.0.0.61';
const COMBO_UUID = 'c0b0c0b0-0000-4000-8000-00000000e5d0';

let rig: GatewayOnBroker;
let wsd: WsdSimulator;
let comboWsd: WsdSimulator;
let comboEscl: EsclSimulator;
let probe: MqttProbe;

interface Device {
  id: string;
  name: string;
  protocol: string;
  url: string;
  online: boolean;
}
const devices = async () => JSON.parse((await probe.retained('scan2mqtt/bridge/devices'))?.toString() ?? '[]') as Device[];
const pdfPages = (file: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file]).toString())?.[1]);

beforeAll(async () => {
  wsd = await WsdSimulator.start({ adfSheets: 3 });
  comboWsd = await WsdSimulator.start({ host: COMBO_HOST, model: { endpointAddress: `urn:uuid:${COMBO_UUID}`, model: 'Combo 2' } });
  comboEscl = new EsclSimulator({ host: COMBO_HOST, uuid: COMBO_UUID, makeAndModel: 'Combo 2' });
  await comboEscl.start();
  rig = await startGatewayOnBroker(SCANNER, {
    SCAN2MQTT_POLLING_IDLE_S: '1',
    SCAN2MQTT_DEVICES: JSON.stringify([
      { name: 'Office WSD', protocol: 'wsd', url: wsd.scanUrl, friendly_name: SCANNER },
      { name: 'Combo over WSD', protocol: 'wsd', url: comboWsd.scanUrl },
      { name: 'Combo over eSCL', protocol: 'escl', url: comboEscl.baseUrl },
    ]),
  });
  ({ probe } = rig);
}, 90_000);

afterAll(async () => {
  await rig?.stop();
  await comboEscl?.stop();
  await comboWsd?.close();
  await wsd?.close();
});

describe('WSD scanner end to end', () => {
  it('lists the hand-listed WSD scanner and publishes its capabilities', async () => {
    await expect.poll(async () => (await devices()).find((d) => d.id === SCANNER), { timeout: 20_000 }).toMatchObject({ protocol: 'wsd', online: true, url: wsd.scanUrl });
    const caps = JSON.parse((await probe.retained(`scan2mqtt/${SCANNER}/capabilities`))!.toString());
    expect(caps).toMatchObject({ protocol: 'wsd', uuid: '5a1e0000-0000-4000-8000-00000000d5d1' });
    expect(Object.keys(caps.sources).sort()).toEqual(['adf', 'adf_duplex', 'platen']);
    expect(caps.sources.adf.resolutions).toContain(300);
  });

  it('scans a three-sheet ADF batch into one PDF on an MQTT command', { timeout: 90_000 }, async () => {
    wsd.adfSheets = 3;
    const { final } = await runScan(probe, SCANNER, { source: 'adf', resolution: 75, format: 'pdf', id: 'wsd-adf' });
    expect(final.state, JSON.stringify(final.error)).toBe('done');
    expect(final.pages).toBe(3);
    expect(final.files).toHaveLength(1);
    expect(final.files![0]).toMatch(/\.pdf$/);
    expect(pdfPages(final.files![0]!)).toBe(3);
    expect(wsd.actions().filter((a) => a === 'RetrieveImage')).toHaveLength(4);
  });

  const broken: [BrokenAnswer, RegExp][] = [
    ['malformed-soap', /CreateScanJob.*(XML|SOAP)/i],
    ['wrong-content-type', /RetrieveImage.*MTOM.*text\/html/],
    ['broken-multipart', /RetrieveImage.*boundary/],
  ];
  for (const [kind, message] of broken) {
    it(`fails the job clearly on a device answering with ${kind}, and keeps running`, { timeout: 90_000 }, async () => {
      wsd.brokenAnswer = kind;
      try {
        const { final } = await runScan(probe, SCANNER, { source: 'platen', resolution: 75, format: 'jpeg' });
        expect(final.state).toBe('failed');
        expect(final.error?.code).toBe('ProtocolError');
        expect(final.error?.message).toMatch(message);
      } finally {
        wsd.brokenAnswer = undefined;
      }
      const { final: next } = await runScan(probe, SCANNER, { source: 'platen', resolution: 75, format: 'jpeg' });
      expect(next.state, JSON.stringify(next.error)).toBe('done');
      expect(JSON.parse((await probe.retained('scan2mqtt/bridge/state'))!.toString())).toEqual({ state: 'online' });
    });
  }

  it('reports a device fault (not accepting jobs) as a clear job error', { timeout: 60_000 }, async () => {
    wsd.faults.set('CreateScanJob', { subcode: 'ServerErrorNotAcceptingJobs', times: 10 });
    try {
      const { final } = await runScan(probe, SCANNER, { source: 'platen', resolution: 75, format: 'jpeg' });
      expect(final.state).toBe('failed');
      expect(final.error?.message).toMatch(/NotAcceptingJobs|not accepting/i);
    } finally {
      wsd.faults.clear();
    }
  });
});

describe('a device speaking eSCL and WSD', () => {
  it('appears once and is scanned over eSCL', { timeout: 90_000 }, async () => {
    const atCombo = async () => (await devices()).filter((d) => new URL(d.url).hostname === COMBO_HOST);
    await expect.poll(async () => (await atCombo()).map((d) => [d.protocol, d.online]), { timeout: 30_000 }).toEqual([['escl', true]]);
    const [combo] = await atCombo();
    expect(combo!.url).toBe(comboEscl.baseUrl);
    const { final } = await runScan(probe, combo!.id, { source: 'platen', resolution: 75, format: 'jpeg' });
    expect(final.state, JSON.stringify(final.error)).toBe('done');
    expect(comboEscl.jobs).toHaveLength(1);
    expect(comboWsd.actions()).not.toContain('CreateScanJob');
  });
});
