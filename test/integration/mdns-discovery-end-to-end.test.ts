/**
 * Discovery as a user meets it: an eSCL scanner on another host announces `_uscan._tcp`
 * and `_uscans._tcp`; the gateway finds it, merges both announcements into one scanner
 * with one id, scans from it, marks it offline on goodbye and online when it returns.
 * The "other host" is a network namespace behind a veth pair (needs root; CI runs as root).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';
import { canCreateNamespaces, createTestLan, GATEWAY_ADDRESS, startAnnouncedSimulator, type TestLan } from './test-lan.js';

const UUID = '5ca1ab1e-0000-4000-8000-00000000e5c1';
const SCANNER = UUID.replace(/-/g, '_');
const rootOnly = canCreateNamespaces();

let broker: MosquittoBroker;
let lan: TestLan;
let gateway: GatewayProcess;
let probe: MqttProbe;
const simulators: { stop(): Promise<void> }[] = [];

const announce = async (secure: boolean) => {
  const sim = await startAnnouncedSimulator(lan, [
    ...(secure ? ['--https', '--port', '8443'] : ['--port', '8080']),
    '--uuid', UUID,
    '--make-and-model', 'Acme ScanMaster 9000',
    '--announce', secure ? 'Acme ScanMaster 9000 (secure)' : 'Acme ScanMaster 9000',
  ]);
  simulators.push(sim);
  return sim;
};

const devices = async () => JSON.parse((await probe.retained('scan2mqtt/bridge/devices'))?.toString() ?? '[]') as { id: string; online: boolean; url: string; name: string }[];

describe.skipIf(!rootOnly)('mDNS discovery end to end (network namespace; needs root)', () => {
  beforeAll(async () => {
    broker = await startMosquitto();
    lan = createTestLan();
    gateway = await startGateway({
      SCAN2MQTT_MQTT_URL: broker.url,
      SCAN2MQTT_DISCOVERY_MDNS: 'true',
      SCAN2MQTT_DISCOVERY_MDNS_INTERFACE: GATEWAY_ADDRESS,
      SCAN2MQTT_DISCOVERY_RESCAN_INTERVAL_S: '2',
      SCAN2MQTT_POLLING_IDLE_S: '1',
      SCAN2MQTT_POLLING_OFFLINE_AFTER_FAILURES: '2',
    });
    probe = await connectProbe(broker.url);
  }, 60_000);

  afterAll(async () => {
    await probe?.close();
    await gateway?.stop();
    for (const sim of simulators) await sim.stop();
    lan?.destroy();
    await broker?.stop();
  });

  it('finds the scanner announced twice (http and https) as one device and scans from it', { timeout: 150_000 }, async () => {
    const secure = await announce(true);
    const plain = await announce(false);
    await probe.waitFor(`scan2mqtt/${SCANNER}/availability`, (m) => m.text() === 'online', 30_000);
    await expect.poll(async () => (await devices()).filter((d) => d.id === SCANNER)[0]?.url, { timeout: 20_000 }).toMatch(/^http:\/\/198\.51\.100\.1:8080\/eSCL\/$/);
    const list = await devices();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: SCANNER, name: 'Acme ScanMaster 9000', online: true });

    const jobs = await probe.collect(`scan2mqtt/${SCANNER}/job`);
    await probe.publish(`scan2mqtt/${SCANNER}/scan`, JSON.stringify({ source: 'platen', resolution: 75, format: 'png' }));
    const done = JSON.parse((await jobs.next((m) => ['done', 'failed'].includes(JSON.parse(m.text()).state), 60_000)).text());
    expect(done.state, JSON.stringify(done.error)).toBe('done');
    expect(done.files[0]).toMatch(/\.png$/);
    await jobs.stop();

    // Both announcements say goodbye: the scanner goes offline but keeps its id.
    await plain.stop();
    await secure.stop();
    await probe.waitFor(`scan2mqtt/${SCANNER}/availability`, (m) => m.text() === 'offline', 30_000);
    expect(JSON.parse((await probe.retained(`scan2mqtt/${SCANNER}`))!.toString()).status).toBe('offline');

    // It comes back: online again under the same id.
    await announce(false);
    await probe.waitFor(`scan2mqtt/${SCANNER}/availability`, (m) => m.text() === 'online', 30_000);
    expect((await devices()).map((d) => d.id)).toEqual([SCANNER]);
  });
});
