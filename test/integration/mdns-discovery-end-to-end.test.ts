/**
 * Discovery as a user meets it, with the DEFAULT configuration (no `mdns_interface`) on a
 * multi-homed host WITHOUT a default route (an isolated IoT VLAN): the gateway runs in a
 * network namespace whose only routes are its links, with one LAN per device namespace.
 *  - LAN 1: an eSCL scanner announcing `_uscan._tcp` and `_uscans._tcp` itself: found as one
 *    scanner, scanned from, offline on goodbye, online when it returns.
 *  - LAN 2: a scanner whose avahi-daemon announced it before the gateway started: only a
 *    query sent out of that interface can find it.
 *  - LAN 3: an interface that appears while the gateway runs, with a scanner behind it.
 * Needs root (network namespaces) and avahi-daemon; CI runs as root.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';
import { canCreateNamespaces, createTestNetwork, esclServiceXml, startSimulatorIn, type TestLanSegment, type TestNetwork } from './test-lan.js';

const UUID = '5ca1ab1e-0000-4000-8000-00000000e5c1';
const SCANNER = UUID.replace(/-/g, '_');
const QUIET_UUID = '5ca1ab1e-0000-4000-8000-0000000000b2';
const LATE_UUID = '5ca1ab1e-0000-4000-8000-0000000000c3';
const canRun = canCreateNamespaces() && existsSync('/usr/sbin/avahi-daemon');
/** avahi probes and announces in its first few seconds, then only answers queries. */
const AVAHI_ANNOUNCING_MS = 5_000;

let broker: MosquittoBroker;
let net: TestNetwork;
let lan1: TestLanSegment;
let gateway: GatewayProcess;
let probe: MqttProbe;
const simulators: { stop(): Promise<void> }[] = [];

const announce = async (secure: boolean) => {
  const sim = await startSimulatorIn(lan1, [
    ...(secure ? ['--https', '--port', '8443'] : ['--port', '8080']),
    '--uuid', UUID,
    '--make-and-model', 'Acme ScanMaster 9000',
    '--announce-host', 'acme-scanmaster.local',
    '--announce', secure ? 'Acme ScanMaster 9000 (secure)' : 'Acme ScanMaster 9000',
  ]);
  simulators.push(sim);
  return sim;
};

/** A scanner on a new LAN, announced by avahi only (no announcements once the gateway listens). */
const quietScanner = async (lan: TestLanSegment, uuid: string, ty: string) => {
  const sim = await startSimulatorIn(lan, ['--port', '8080', '--uuid', uuid, '--make-and-model', ty]);
  simulators.push(sim);
  lan.startAvahi(`s2m-${uuid.slice(-3)}`, esclServiceXml({ name: ty, port: 8080, uuid, ty }));
  return sim;
};

interface Device {
  id: string;
  online: boolean;
  url: string;
  name: string;
}
const devices = async () => (await probe.retainedJson<Device[]>('scan2mqtt/bridge/devices')) ?? [];
const online = (id: string) => probe.waitFor(`scan2mqtt/${id}/availability`, (m) => m.text() === 'online', 60_000);

describe.skipIf(!canRun)('mDNS discovery end to end, default config, no default route, several interfaces (needs root)', () => {
  beforeAll(async () => {
    net = createTestNetwork();
    broker = await startMosquitto({ alsoListenOn: net.brokerHost });
    lan1 = net.addLan();
    await quietScanner(net.addLan(), QUIET_UUID, 'Quiet Scanner 2');
    await new Promise((resolve) => setTimeout(resolve, AVAHI_ANNOUNCING_MS));
    gateway = await startGateway(
      {
        SCAN2MQTT_MQTT_URL: `mqtt://${net.brokerHost}:${broker.port}`,
        SCAN2MQTT_DISCOVERY_RESCAN_INTERVAL_S: '2',
        SCAN2MQTT_POLLING_IDLE_S: '1',
        SCAN2MQTT_POLLING_OFFLINE_AFTER_FAILURES: '2',
      },
      { netns: net.gatewayNamespace },
    );
    probe = await connectProbe(broker.url);
  }, 60_000);

  afterAll(async () => {
    await probe?.close();
    await gateway?.stop();
    for (const sim of simulators) await sim.stop();
    net?.destroy();
    await broker?.stop();
  });

  it('finds the scanner that announced itself before the gateway started, by querying its interface', { timeout: 90_000 }, async () => {
    await online(QUIET_UUID.replace(/-/g, '_'));
    expect((await devices()).find((d) => d.id === QUIET_UUID.replace(/-/g, '_'))?.url).toBe('http://198.51.100.65:8080/eSCL/');
  });

  it('finds the scanner announced twice (http and https) on the other interface as one device and scans from it', { timeout: 150_000 }, async () => {
    const secure = await announce(true);
    const plain = await announce(false);
    await online(SCANNER);
    await expect.poll(async () => (await devices()).find((d) => d.id === SCANNER)?.url, { timeout: 20_000 }).toBe('http://198.51.100.1:8080/eSCL/');
    expect((await devices()).filter((d) => d.name === 'Acme ScanMaster 9000')).toHaveLength(1);

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
    await online(SCANNER);
    expect((await devices()).filter((d) => d.id === SCANNER)).toHaveLength(1);
  });

  it('browses an interface that appears while it runs', { timeout: 90_000 }, async () => {
    await quietScanner(net.addLan(), LATE_UUID, 'Late Scanner 3');
    await online(LATE_UUID.replace(/-/g, '_'));
    expect((await devices()).find((d) => d.id === LATE_UUID.replace(/-/g, '_'))?.url).toBe('http://198.51.100.129:8080/eSCL/');
  });
});
