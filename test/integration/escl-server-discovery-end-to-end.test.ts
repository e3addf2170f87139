/**
 * Sharing found through discovery, end to end (issue 12): the real gateway in its own network
 * namespace with `escl_server.enabled` and otherwise the defaults a user gets (mDNS discovery on,
 * port 8090), sharing a saned test-backend device on one LAN; a client machine with its own D-Bus
 * and avahi on another LAN finds the shared scanner with `scanimage -L` (sane-airscan and SANE's
 * escl backend, each by its own discovery) and scans through the discovered device name, pixels
 * equal to a direct scan. The advert goes when the saned device goes offline and when the gateway
 * stops; the gateway never adopts its own advert as a scanner. Needs root.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { startAvahiClientHost, type AvahiClientHost } from './avahi-client-host.js';
import { referenceBatch, samePixels } from './escl-clients.js';
import { startGateway, waitForScanner, type GatewayProcess } from './gateway-process.js';
import { canCreateNamespaces, createTestNetwork, type TestLanSegment, type TestNetwork } from './test-lan.js';

const canRun = canCreateNamespaces() && ['/usr/sbin/avahi-daemon', '/usr/bin/dbus-daemon', '/usr/bin/avahi-browse', '/usr/bin/scanimage', '/usr/sbin/saned'].every(existsSync);
const SANE_PORT = 6566;
/** The default first port of the eSCL server (a fresh namespace: nothing else listens). */
const DEFAULT_ESCL_PORT = 8090;
const PICTURE = 'test-picture "Color pattern"\n';
const AREA = ['--resolution', '75', '-l', '0', '-t', '0', '-x', '40', '-y', '30'];

let broker: MosquittoBroker;
let net: TestNetwork;
let deviceLan: TestLanSegment;
let clientLan: TestLanSegment;
let client: AvahiClientHost;
let saned: ChildProcess;
let gateway: GatewayProcess;
let probe: MqttProbe;
let configDir = '';
const folders: string[] = [];

/** Kills saned and the per-connection children it forked (they would keep serving the gateway's open connection). */
function killSaned(): void {
  const pid = saned.pid!;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  for (const child of [pid, ...children]) {
    try {
      process.kill(child, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

function startSanedOnLan(): ChildProcess {
  return deviceLan.spawn('env', [`SANE_CONFIG_DIR=${configDir}`, 'saned', '-l', '-e', '-b', deviceLan.deviceAddress, '-p', String(SANE_PORT)]);
}

/** The gateway's address on a LAN: the one after the device's (test-lan.ts). */
function gatewayOn(segment: TestLanSegment): string {
  const parts = segment.deviceAddress.split('.').map(Number);
  return [...parts.slice(0, 3), parts[3]! + 1].join('.');
}

/** A SANE config folder on the client with only `backend`, its discovery on. */
function clientConfig(backend: 'airscan' | 'escl'): string {
  const dir = mkdtempSync(join(tmpdir(), `s2m-${backend}-client-`));
  folders.push(dir);
  writeFileSync(join(dir, 'dll.conf'), `${backend}\n`);
  if (backend === 'airscan') writeFileSync(join(dir, 'airscan.conf'), '[options]\ndiscovery = enable\n');
  else writeFileSync(join(dir, 'escl.conf'), '');
  return dir;
}

/** `scanimage -L` on the client until a device line matches; resolves with the device name. */
async function discovered(dir: string, pattern: RegExp): Promise<string> {
  for (;;) {
    const out = await client.run('scanimage', ['-L'], { SANE_CONFIG_DIR: dir });
    const match = pattern.exec(out.stdout);
    if (match) return match[1]!;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Our advert's instance lines on the client, polled until `present` holds. */
async function advertUntil(present: boolean): Promise<void> {
  for (;;) {
    const lines = (await client.browse('_uscan._tcp')).filter((l) => l.name === 'Lab');
    if (lines.length > 0 === present) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface JobEvent {
  state: string;
  trigger?: string;
  settings?: { region: { x: number; y: number; width: number; height: number } };
}

/** Scans on the client through `device`, watching the gateway's job; resolves with the pages and the job. */
async function scanOnClient(dir: string, device: string, args: string[]) {
  const out = mkdtempSync(join(tmpdir(), 's2m-client-pages-'));
  folders.push(out);
  const jobs = await probe.collect('scan2mqtt/lab/job');
  const result = await client.run('scanimage', ['-d', device, '--format=pnm', `--batch=${join(out, 'page-%03d.pnm')}`, '--batch-count=1', ...args], { SANE_CONFIG_DIR: dir });
  const done = await jobs.next((m) => ['done', 'failed', 'cancelled'].includes(m.json<JobEvent>().state), 30_000);
  await jobs.stop();
  const pages = readdirSync(out).filter((n) => n.startsWith('page-')).sort().map((n) => readFileSync(join(out, n)));
  return { result, pages, job: done.json<JobEvent>() };
}

async function checkAgainstDirectScan(job: JobEvent, page: Buffer, padRows: number): Promise<void> {
  expect(job).toMatchObject({ state: 'done', trigger: 'escl' });
  const r = job.settings!.region;
  const ref = await referenceBatch(configDir, 'test:0', ['--mode', 'Color', '--depth', '8', '--resolution', '75', '-l', String(r.x), '-t', String(r.y), '-x', String(r.width), '-y', String(r.height), '--batch-count=1']);
  expect(ref.code, ref.stderr).toBe(0);
  samePixels(page, ref.pages[0]!, padRows);
}

describe.skipIf(!canRun)('shared scanner found by DNS-SD and scanned from another machine (network namespaces; needs root)', () => {
  beforeAll(async () => {
    net = createTestNetwork();
    broker = await startMosquitto({ alsoListenOn: net.brokerHost });
    deviceLan = net.addLan();
    clientLan = net.addLan();
    configDir = mkdtempSync(join(tmpdir(), 's2m-saned-share-'));
    writeFileSync(join(configDir, 'dll.conf'), 'test\n');
    writeFileSync(join(configDir, 'saned.conf'), '198.51.100.0/24\n');
    writeFileSync(join(configDir, 'test.conf'), `${readFileSync('/etc/sane.d/test.conf', 'utf8')}\n${PICTURE}`);
    saned = startSanedOnLan();
    client = await startAvahiClientHost(clientLan, 's2m-share-client');
    probe = await connectProbe(broker.url);
    gateway = await startGateway(
      {
        SCAN2MQTT_MQTT_URL: `mqtt://${net.brokerHost}:${broker.port}`,
        SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Lab', protocol: 'sane', url: `sane://${deviceLan.deviceAddress}:${SANE_PORT}/test:0`, friendly_name: 'lab' }]),
        SCAN2MQTT_ESCL_SERVER_ENABLED: 'true',
        SCAN2MQTT_POLLING_IDLE_S: '1',
        SCAN2MQTT_POLLING_OFFLINE_AFTER_FAILURES: '2',
      },
      { netns: net.gatewayNamespace },
    );
    await waitForScanner(probe, 'lab');
  }, 90_000);

  afterAll(async () => {
    if (process.env.DUMP_GATEWAY_LOG) console.log(gateway?.output().split('\n').filter((l) => /escl|eSCL|DNS-SD|warn|error/.test(l)).slice(-60).join('\n'));
    await probe?.close();
    await gateway?.stop();
    saned?.kill('SIGKILL');
    client?.stop();
    net?.destroy();
    await broker?.stop();
    for (const dir of [configDir, ...folders]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sane-airscan lists the shared scanner by its own discovery and scans through that name', { timeout: 90_000 }, async () => {
    const dir = clientConfig('airscan');
    const device = await discovered(dir, /device `(airscan:e\d+:Lab)' is a .*eSCL/);
    const { result, pages, job } = await scanOnClient(dir, device, ['--mode', 'Color', ...AREA]);
    expect(result.code, result.stderr).toBe(0);
    expect(pages).toHaveLength(1);
    await checkAgainstDirectScan(job, pages[0]!, 1);
  });

  it("SANE's escl backend lists it by its own discovery and scans through that name", { timeout: 90_000 }, async () => {
    const dir = clientConfig('escl');
    const url = `escl:http://${gatewayOn(clientLan)}:${DEFAULT_ESCL_PORT}`;
    const device = await discovered(dir, new RegExp(`device \`(${url.replace(/[.]/g, '\\.')})'`));
    const { result, pages, job } = await scanOnClient(dir, device, ['--mode', 'Color', ...AREA]);
    expect(result.code, result.stderr).toBe(0);
    expect(pages).toHaveLength(1);
    await checkAgainstDirectScan(job, pages[0]!, 0);
  });

  it('never adopts its own advert: bridge/devices lists the saned scanner only', async () => {
    await advertUntil(true);
    // The gateway's own mDNS browsing sees the advert (multicast loops back) and the registry drops it.
    while (!gateway.output().includes('finding is an advert of this gateway')) await new Promise((r) => setTimeout(r, 250));
    const devices = await probe.retainedJson<{ id: string; protocol: string }[]>('scan2mqtt/bridge/devices');
    expect(devices?.map((d) => [d.id, d.protocol])).toEqual([['lab', 'sane']]);
  });

  it('withdraws the advert when the saned device goes offline and announces it again when it is back', { timeout: 90_000 }, async () => {
    killSaned();
    await probe.waitFor('scan2mqtt/lab/availability', (m) => m.text() === 'offline', 60_000);
    await advertUntil(false);
    saned = startSanedOnLan();
    await probe.waitFor('scan2mqtt/lab/availability', (m) => m.text() === 'online', 60_000);
    await advertUntil(true);
  });

  it('sends goodbyes when the gateway stops (SIGTERM): the client forgets the scanner', { timeout: 60_000 }, async () => {
    await advertUntil(true);
    expect(await gateway.terminate()).toBe(0);
    await advertUntil(false);
  });
});
