/**
 * `scan2mqtt doctor` with the DEFAULT discovery settings, in a gateway namespace with no
 * default route: on one LAN a device namespace runs avahi-daemon (announcing an eSCL
 * scanner), Debian's wsdd and the eSCL simulator; a second LAN has nobody on it. A second
 * network whose only LAN holds a hostile neighbour (test/sim/hostile: garbage, unrelated and
 * oversized replies) shows the problem a container without host networking has.
 * The lonely network also runs the doctor with no broker configured at all (nothing on
 * localhost:1883 in a fresh namespace). Needs root (network namespaces), avahi-daemon and wsdd.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { areaLines, runDoctorCommand } from './doctor-run.js';
import { canCreateNamespaces, createTestNetwork, esclServiceXml, startSimulatorIn, type TestNetwork } from './test-lan.js';

const WSDD = '/usr/sbin/wsdd';
const UUID = 'd0c70000-0000-4000-8000-000000000001';
const canRun = canCreateNamespaces() && existsSync(WSDD) && existsSync('/usr/sbin/avahi-daemon');
/** A limit for avahi's start (probing its host name), not an assertion. */
const AVAHI_START_LIMIT_MS = 20_000;

/** Resolves once avahi-daemon says its start is complete (it answers queries from then on). */
function avahiReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`avahi-daemon did not start: ${out}`)), AVAHI_START_LIMIT_MS);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('Server startup complete')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

describe.skipIf(!canRun)('scan2mqtt doctor: multicast per interface in test namespaces (needs root, avahi, wsdd)', () => {
  let net: TestNetwork;
  let lonely: TestNetwork;
  let broker: MosquittoBroker;
  let data: string;
  let simUrl: string;
  let lanInterface: string;

  beforeAll(async () => {
    net = createTestNetwork();
    lonely = createTestNetwork();
    broker = await startMosquitto({ alsoListenOn: net.brokerHost });
    data = await mkdtemp(join(tmpdir(), 'scan2mqtt-doctor-mc-'));
    const lan = net.addLan();
    net.addLan(); // nobody there
    const lonelyLan = lonely.addLan();
    // The lonely LAN has a hostile neighbour: what it sends must not count as an answer.
    const noise = lonelyLan.spawn(process.execPath, ['--import', 'tsx', 'test/sim/hostile/multicast-noise.ts', lonelyLan.deviceAddress]);
    await new Promise<void>((ready, fail) => {
      noise.stdout?.on('data', (d: Buffer) => d.toString().includes('listening') && ready());
      noise.once('exit', (code) => fail(new Error(`multicast noise exited ${code}`)));
    });
    const sim = await startSimulatorIn(lan, ['--port', '8080', '--uuid', UUID, '--make-and-model', 'Doctor Sim']);
    simUrl = sim.url;
    const avahi = lan.startAvahi('s2m-doctor', esclServiceXml({ name: 'Doctor Sim', port: 8080, uuid: UUID, ty: 'Doctor Sim' }));
    lan.spawn(WSDD, ['-i', lan.deviceAddress, '-4', '-n', 'DOCTORPC']);
    await avahiReady(avahi);
    lanInterface = `s2mg1${net.gatewayNamespace.slice('s2m-gw-'.length)}`;
  }, 60_000);

  afterAll(async () => {
    net?.destroy();
    lonely?.destroy();
    await broker?.stop();
    if (data) await rm(data, { recursive: true, force: true });
  });

  const env = () => ({
    SCAN2MQTT_MQTT_URL: `mqtt://${net.brokerHost}:${broker.port}`,
    SCAN2MQTT_DATA_FOLDER: data,
    SCAN2MQTT_STORAGE_FOLDER: join(data, 'scans'),
    SCAN2MQTT_STORAGE_MIN_FREE_MB: '1',
  });

  it('hears mDNS and WS-Discovery answers on the LAN with devices, notes the empty one, and exits 0', async () => {
    const run = await runDoctorCommand({ ...env(), SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Doctor Sim', protocol: 'escl', url: simUrl }]) }, net.gatewayNamespace);
    const multicast = areaLines(run.stdout, 'multicast');
    expect(multicast).toContainEqual(expect.stringMatching(new RegExp(`^ok +mDNS on ${lanInterface}/IPv4/198\\.51\\.100\\.2: answered by 1 host; scanner services: Doctor Sim\\._uscan\\._tcp\\.local`)));
    expect(multicast).toContainEqual(expect.stringMatching(new RegExp(`^ok +WS-Discovery on ${lanInterface}: answered by 1 device`)));
    expect(multicast).toContainEqual(expect.stringMatching(/^note +mDNS on s2mg2\w+\/IPv4\/198\.51\.100\.66: no other host answered/));
    expect(areaLines(run.stdout, 'devices').join('\n')).toMatch(/ok +Doctor Sim .*escl answers/);
    expect(run.stdout).toContain('All is well.');
    expect(run.code).toBe(0);
  });

  it('says multicast finds nobody on any interface (garbage and unrelated replies are no answer), with the fix, and exits 1', async () => {
    // The lonely network's broker link is not served: the broker check fails too, but this test is about multicast.
    const run = await runDoctorCommand(env(), lonely.gatewayNamespace);
    expect(run.code).toBe(1);
    const multicast = areaLines(run.stdout, 'multicast').join('\n');
    expect(multicast).toContain('PROBLEM mDNS: no host answered an mDNS query on any interface');
    expect(multicast).toContain('fix: run the gateway on the scanners\' network with host networking');
    expect(multicast).toContain('PROBLEM WS-Discovery: no device answered a WS-Discovery probe on any interface');
  });

  it('with no broker configured, says the gateway will start its embedded broker, as a note', async () => {
    // A fresh namespace: nothing listens on localhost:1883 there, whatever this machine runs.
    const run = await runDoctorCommand({ SCAN2MQTT_DATA_FOLDER: data, SCAN2MQTT_STORAGE_FOLDER: join(data, 'scans') }, lonely.gatewayNamespace);
    expect(areaLines(run.stdout, 'broker')).toEqual([
      'note    mqtt://localhost:1883: nothing listens on localhost:1883: the gateway will start its embedded broker there (loopback only), which only programs on this host can reach',
      'fix: for Home Assistant on another host, run a broker (Mosquitto) and set mqtt.url (SCAN2MQTT_MQTT_URL)',
    ]);
  });
});
