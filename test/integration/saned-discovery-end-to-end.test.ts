/**
 * saned hosts found with no configuration: a real saned (SANE `test` backend) on another
 * host announces `_sane-port._tcp` through avahi-daemon, as saned built with Avahi does; the
 * gateway, with its default configuration, lists the host's devices and offers test:0 and
 * test:1. When avahi says goodbye, they go offline. Network namespaces: needs root, saned
 * and avahi-daemon.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { SANED_AVAILABLE } from '../sim/saned/saned.js';
import { startGateway, type GatewayProcess } from './gateway-process.js';
import { canCreateNamespaces, createTestNetwork, type TestLanSegment, type TestNetwork } from './test-lan.js';

const SANE_PORT = 6566;
const canRun = canCreateNamespaces() && SANED_AVAILABLE && existsSync('/usr/sbin/avahi-daemon');

const SERVICE = `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name replace-wildcards="yes">saned on %h</name>
  <service><type>_sane-port._tcp</type><port>${SANE_PORT}</port></service>
</service-group>
`;

let broker: MosquittoBroker;
let net: TestNetwork;
let lan: TestLanSegment;
let avahi: ChildProcess;
let saned: ChildProcess;
let gateway: GatewayProcess;
let probe: MqttProbe;
let configDir = '';

const idOf = (device: string) => `sane_${lan.deviceAddress.replace(/\./g, '_')}_${SANE_PORT}_${device.replace(':', '_')}`;
const availability = (id: string, text: string) => probe.waitFor(`scan2mqtt/${id}/availability`, (m) => m.text() === text, 60_000);

describe.skipIf(!canRun)('saned discovered by DNS-SD (_sane-port._tcp), default config (needs root)', () => {
  beforeAll(async () => {
    net = createTestNetwork();
    broker = await startMosquitto({ alsoListenOn: net.brokerHost });
    lan = net.addLan();
    configDir = mkdtempSync(join(tmpdir(), 's2m-saned-dnssd-'));
    writeFileSync(join(configDir, 'dll.conf'), 'test\n');
    writeFileSync(join(configDir, 'saned.conf'), '198.51.100.0/24\n');
    writeFileSync(join(configDir, 'test.conf'), readFileSync('/etc/sane.d/test.conf'));
    saned = lan.spawn('env', [`SANE_CONFIG_DIR=${configDir}`, 'saned', '-l', '-e', '-b', lan.deviceAddress, '-p', String(SANE_PORT)]);
    avahi = lan.startAvahi('s2m-saned-host', SERVICE);
    gateway = await startGateway(
      { SCAN2MQTT_MQTT_URL: `mqtt://${net.brokerHost}:${broker.port}`, SCAN2MQTT_POLLING_IDLE_S: '1', SCAN2MQTT_POLLING_OFFLINE_AFTER_FAILURES: '2' },
      { netns: net.gatewayNamespace },
    );
    probe = await connectProbe(broker.url);
  }, 60_000);

  afterAll(async () => {
    await probe?.close();
    await gateway?.stop();
    saned?.kill('SIGKILL');
    avahi?.kill('SIGKILL');
    net?.destroy();
    await broker?.stop();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it('lists the devices of a saned host that announced itself', { timeout: 90_000 }, async () => {
    await availability(idOf('test:0'), 'online');
    await availability(idOf('test:1'), 'online');
    const devices = (await probe.retainedJson<{ id: string; protocol: string; url: string }[]>('scan2mqtt/bridge/devices')) ?? [];
    expect(devices.map((d) => [d.id, d.protocol, d.url]).sort()).toEqual([
      [idOf('test:0'), 'sane', `sane://${lan.deviceAddress}:${SANE_PORT}/test:0`],
      [idOf('test:1'), 'sane', `sane://${lan.deviceAddress}:${SANE_PORT}/test:1`],
    ]);
  });

  it('takes its devices offline when the host says goodbye', { timeout: 90_000 }, async () => {
    avahi.kill('SIGTERM');
    await availability(idOf('test:0'), 'offline');
    await availability(idOf('test:1'), 'offline');
  });
});
