/**
 * Two scanners that report the same UUID (the real Brother DS-940DW and MFC-L8690CDW
 * capability documents share one) at different addresses: the gateway must keep them as two
 * scanners, each with its own id, URL and capabilities, never one's capabilities under the
 * other's id. Two eSCL simulators on 127.0.0.2 and 127.0.0.3 (Linux loopback), hand-listed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { fixturePath } from '../sim/escl/fixture-path.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';

const SHEETFED = 'escl/capabilities/brother-ds-940dw.xml';
const MFP = 'escl/capabilities/brother-mfc-l8690cdw.xml';

interface Device {
  id: string;
  url: string;
  online: boolean;
}

let broker: MosquittoBroker;
let sims: EsclSimulator[] = [];
let gateway: GatewayProcess;
let probe: MqttProbe;

beforeAll(async () => {
  broker = await startMosquitto();
  sims = [new EsclSimulator({ host: '127.0.0.2', capabilitiesFixture: fixturePath(SHEETFED) }), new EsclSimulator({ host: '127.0.0.3', capabilitiesFixture: fixturePath(MFP) })];
  for (const sim of sims) await sim.start();
  gateway = await startGateway({
    SCAN2MQTT_MQTT_URL: broker.url,
    SCAN2MQTT_DISCOVERY_MDNS: 'false',
    SCAN2MQTT_POLLING_IDLE_S: '1',
    SCAN2MQTT_DEVICES: JSON.stringify(sims.map((sim, i) => ({ name: `Scanner ${i + 1}`, protocol: 'escl', url: sim.baseUrl }))),
  });
  probe = await connectProbe(broker.url);
}, 90_000);

afterAll(async () => {
  await probe?.close();
  await gateway?.stop();
  for (const sim of sims) await sim.stop();
  await broker?.stop();
});

describe('two devices, one UUID', () => {
  it('keeps each scanner with its own id, URL and capabilities', async () => {
    const devices = async () => ((await probe.retainedJson<Device[]>('scan2mqtt/bridge/devices')) ?? []).filter((d) => d.online);
    // Both must be online: each has fetched its capabilities (and so learnt the shared UUID).
    await expect.poll(async () => (await devices()).length, { timeout: 30_000 }).toBe(2);
    const list = await devices();
    expect(list.map((d) => d.url).sort()).toEqual(sims.map((s) => s.baseUrl).sort());
    const byUrl = new Map(list.map((d) => [d.url, d.id]));
    const sheetfed = byUrl.get(sims[0]!.baseUrl)!;
    const mfp = byUrl.get(sims[1]!.baseUrl)!;
    expect(sheetfed).not.toBe(mfp);

    const caps = async (id: string) => probe.retainedJson<{ model?: string; uuid?: string; sources: object }>(`scan2mqtt/${id}/capabilities`);
    const [a, b] = [await caps(sheetfed), await caps(mfp)];
    expect(a?.uuid).toBe(b?.uuid);
    expect(a?.model).toBe('DS-940DW');
    expect(Object.keys(a?.sources ?? {})).not.toContain('platen');
    expect(b?.model).toMatch(/MFC-L8690CDW/);
    expect(Object.keys(b?.sources ?? {})).toContain('platen');
    expect(gateway.output()).toContain('report the same identity');
  }, 60_000);
});
