/**
 * WS-Discovery as a user meets it: the gateway with the DEFAULT configuration (only the broker
 * URL set) in a network namespace without a default route, one LAN per device namespace:
 *  - LANs 1 and 2: simulated WSD scanners (their discovery responders joined to
 *    239.255.255.250:3702 on the device's interface), found by probe, listed and scanned from;
 *    the second says Bye when it stops and goes offline.
 *  - LAN 3: Debian's wsdd, a computer announcing itself over WS-Discovery: probed, its
 *    metadata read, and not listed.
 * Needs root (network namespaces) and wsdd; CI runs as root and installs wsdd.
 */
import { existsSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';
import { runScan } from './scan-command.js';
import { canCreateNamespaces, createTestNetwork, type TestLanSegment, type TestNetwork } from './test-lan.js';

const WSDD = '/usr/sbin/wsdd';
const UUID_A = '5a1e0000-0000-4000-8000-0000000000a1';
const UUID_B = '5a1e0000-0000-4000-8000-0000000000b2';
const COMPUTER_UUID = '22222222-3333-4444-5555-666666666666';
const idOf = (uuid: string) => uuid.replace(/-/g, '_');
const canRun = canCreateNamespaces() && existsSync(WSDD);

let broker: MosquittoBroker;
let net: TestNetwork;
let gateway: GatewayProcess;
let probe: MqttProbe;
const children: ChildProcess[] = [];

/** Starts the WSD simulator CLI in a device namespace, answering WS-Discovery on its interface; resolves with its scan URL. */
function startWsdDevice(lan: TestLanSegment, uuid: string, model: string): Promise<{ url: string; child: ChildProcess }> {
  const child = lan.spawn(process.execPath, ['--import', 'tsx', 'test/sim/wsd/cli.ts', '--host', lan.deviceAddress, '--port', '5358', '--uuid', uuid, '--model', model, '--multicast', '--hello']);
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`WSD simulator did not start: ${out}`)), 20_000);
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const url = out.split('\n').find((l) => l.startsWith('http'));
      if (url) {
        clearTimeout(timer);
        resolve({ url, child });
      }
    });
    child.once('exit', (code) => reject(new Error(`WSD simulator exited ${code}: ${out}`)));
  });
}

interface Device {
  id: string;
  name: string;
  protocol: string;
  url: string;
  online: boolean;
}
const devices = async () => (await probe.retainedJson<Device[]>('scan2mqtt/bridge/devices')) ?? [];
const availability = (id: string, state: string) => probe.waitFor(`scan2mqtt/${id}/availability`, (m) => m.text() === state, 60_000);

describe.skipIf(!canRun)('WS-Discovery end to end, default config, no default route, several interfaces (needs root, wsdd)', () => {
  let deviceB: { url: string; child: ChildProcess };

  beforeAll(async () => {
    net = createTestNetwork();
    broker = await startMosquitto({ alsoListenOn: net.brokerHost });
    const [lan1, lan2, lan3] = [net.addLan(), net.addLan(), net.addLan()];
    await startWsdDevice(lan1, UUID_A, 'WSD Sim A');
    deviceB = await startWsdDevice(lan2, UUID_B, 'WSD Sim B');
    gateway = await startGateway({ SCAN2MQTT_MQTT_URL: `mqtt://${net.brokerHost}:${broker.port}` }, { netns: net.gatewayNamespace });
    probe = await connectProbe(broker.url);
    // After the gateway: its Hello (which names no types) is heard, and its metadata read.
    children.push(lan3.spawn(WSDD, ['-i', lan3.deviceAddress, '-4', '-U', COMPUTER_UUID, '-n', 'LABPC']));
  }, 60_000);

  afterAll(async () => {
    await probe?.close();
    await gateway?.stop();
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    net?.destroy();
    await broker?.stop();
  });

  it('lists both simulated scanners at their scan service and scans from one', { timeout: 120_000 }, async () => {
    await availability(idOf(UUID_A), 'online');
    await availability(idOf(UUID_B), 'online');
    const listed = await devices();
    expect(listed.find((d) => d.id === idOf(UUID_A))).toMatchObject({ protocol: 'wsd', name: 'SimWorks WSD Sim A', url: 'http://198.51.100.1:5358/WSDScanner' });
    expect(listed.find((d) => d.id === idOf(UUID_B))).toMatchObject({ protocol: 'wsd', url: 'http://198.51.100.65:5358/WSDScanner' });
    const { final } = await runScan(probe, idOf(UUID_A), { source: 'platen', resolution: 75, format: 'jpeg' });
    expect(final.state, JSON.stringify(final.error)).toBe('done');
  });

  it('does not list the computer running wsdd, heard by Hello and by probe', { timeout: 60_000 }, async () => {
    // wsdd says Hello (without types: its metadata is read, and hosts no scan service) and answers
    // probes as pub:Computer (dropped before its metadata is read). Either way it is heard and not listed.
    const heard = () => new RegExp(`"address":"urn:uuid:${COMPUTER_UUID}"[^\\n]*(no scan service in its metadata|a computer)`).test(gateway.output());
    await expect
      .poll(async () => {
        await probe.publish('scan2mqtt/bridge/request/discover', '{}');
        return heard();
      }, { timeout: 30_000, interval: 2_000 })
      .toBe(true);
    expect((await devices()).map((d) => d.id).sort()).toEqual([idOf(UUID_A), idOf(UUID_B)]);
  });

  it('shows the scanner that says Bye offline, and keeps the other online', { timeout: 60_000 }, async () => {
    const offline = availability(idOf(UUID_B), 'offline');
    deviceB.child.kill('SIGTERM');
    await offline;
    expect((await devices()).find((d) => d.id === idOf(UUID_B))?.online).toBe(false);
    expect((await devices()).find((d) => d.id === idOf(UUID_A))?.online).toBe(true);
  });
});
