/**
 * DNS-SD adverts of shared scanners seen by real Debian clients on another machine: the
 * advertiser runs with its production defaults in the gateway's namespace (no avahi
 * there), in front of the eSCL simulator; a client machine on the LAN runs its own D-Bus and
 * avahi-daemon, and avahi-browse, sane-airscan and SANE's escl backend find the scanner
 * through their own discovery. Network namespaces: needs root, avahi-daemon, dbus-daemon.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EsclAdvert } from '../../src/escl-server/advert.js';
import { until } from '../discovery/helpers.js';
import { startAvahiClientHost, type AvahiClientHost, type ResolvedLine } from './avahi-client-host.js';
import { canCreateNamespaces, createTestNetwork, type TestLanSegment, type TestNetwork } from './test-lan.js';

const REPO = resolve(import.meta.dirname, '../..');
const CHILD = 'test/escl-server/dns-sd/netns/advertiser-child.ts';
const canRun = canCreateNamespaces() && ['/usr/sbin/avahi-daemon', '/usr/bin/dbus-daemon', '/usr/bin/avahi-browse', '/usr/bin/scanimage'].every(existsSync);
/** The simulator's port inside the gateway namespace (a fresh namespace: nothing else listens). */
const SIM_PORT = 8090;
const UUID = '7d3e5f10-2222-4333-8444-955566667777';

const advert = (overrides: Partial<EsclAdvert> = {}): EsclAdvert => ({
  scannerId: 'sane_test_0',
  name: 'Shared Lide',
  uuid: UUID,
  port: SIM_PORT,
  secure: false,
  makeAndModel: 'scan2mqtt Lab Share',
  documentFormats: ['application/pdf', 'image/jpeg', 'image/png'],
  colorSpaces: ['color', 'grayscale'],
  inputSources: ['platen', 'adf'],
  duplex: false,
  adminPath: '/',
  iconPath: '/eSCL/icon.png',
  note: 'lab gateway',
  ...overrides,
});

let net: TestNetwork;
let lan: TestLanSegment;
let client: AvahiClientHost;
let simulator: ChildProcess;
let child: ChildProcess;
const logs: Array<Record<string, unknown>> = [];
const folders: string[] = [];
/** Every client machine started, stopped in afterAll too: a timed-out test never reaches its finally. */
const hosts: AvahiClientHost[] = [];
const clientHost = async (segment: TestLanSegment, name: string) => {
  const host = await startAvahiClientHost(segment, name);
  hosts.push(host);
  return host;
};

function inGateway(command: string, args: string[]): ChildProcess {
  return spawn('ip', ['netns', 'exec', net.gatewayNamespace, command, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The gateway's address on a LAN: the one after the device's (test-lan.ts). */
function gatewayOn(segment: TestLanSegment): string {
  const parts = segment.deviceAddress.split('.').map(Number);
  return [...parts.slice(0, 3), parts[3]! + 1].join('.');
}

function send(command: object): void {
  child.stdin!.write(`${JSON.stringify(command)}\n`);
}

/** The resolved `_uscan._tcp` lines for an instance name, polled until `ok` holds for them. */
async function resolvedUntil(host: AvahiClientHost, name: string, ok: (lines: ResolvedLine[]) => boolean): Promise<ResolvedLine[]> {
  for (;;) {
    const lines = (await host.browse('_uscan._tcp')).filter((l) => l.name === name);
    if (ok(lines)) return lines;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `scanimage -L` on the client with only `backend` in dll.conf (and its discovery on). */
async function listWith(backend: 'airscan' | 'escl'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `s2m-${backend}-`));
  folders.push(dir);
  writeFileSync(join(dir, 'dll.conf'), `${backend}\n`);
  if (backend === 'airscan') writeFileSync(join(dir, 'airscan.conf'), '[options]\ndiscovery = enable\n');
  else writeFileSync(join(dir, 'escl.conf'), '');
  const result = await client.run('scanimage', ['-L'], { SANE_CONFIG_DIR: dir });
  return result.stdout + result.stderr;
}

describe.skipIf(!canRun)('shared scanners advertised by DNS-SD, seen by real Debian clients (network namespaces; needs root)', () => {
  beforeAll(async () => {
    net = createTestNetwork();
    lan = net.addLan();
    client = await clientHost(lan, 's2m-client');
    simulator = inGateway(process.execPath, ['--import', 'tsx', 'test/sim/escl/cli.ts', '--host', '0.0.0.0', '--port', String(SIM_PORT), '--adf-pages', '2', '--uuid', UUID]);
    await new Promise<void>((ok, fail) => {
      simulator.stdout!.once('data', () => ok());
      simulator.once('exit', (code) => fail(new Error(`simulator exited ${code}`)));
    });
    child = inGateway(process.execPath, ['--import', 'tsx', CHILD]);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    });
    child.stderr!.on('data', (d: Buffer) => logs.push({ stderr: d.toString() }));
    send({ op: 'publish', advert: advert() });
  }, 60_000);

  afterAll(() => {
    child?.kill('SIGKILL');
    simulator?.kill('SIGKILL');
    for (const host of hosts) host.stop();
    net?.destroy();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('avahi on another host resolves the advert over IPv4 and IPv6 with the TXT keys clients read', { timeout: 60_000 }, async () => {
    const lines = await resolvedUntil(client, 'Shared Lide', (ls) => ls.some((l) => l.protocol === 'IPv4') && ls.some((l) => l.protocol === 'IPv6'));
    const gatewayAddress = gatewayOn(lan);
    const v4 = lines.find((l) => l.protocol === 'IPv4')!;
    const v6 = lines.find((l) => l.protocol === 'IPv6')!; // the service resolved over the IPv6 transport
    expect(v4.port).toBe(SIM_PORT);
    expect(v4.host).toMatch(/-scan2mqtt\.local$/);
    expect(lines.map((l) => l.address)).toContain(gatewayAddress);
    // avahi resolves the service to one address per transport; the host's AAAA records are asked for by name.
    const v6Host = await client.run('avahi-resolve-host-name', ['-6', v4.host]);
    expect(v6Host.stdout).toMatch(/\tfe80::[0-9a-f:]+\n/i);
    expect(v6.port).toBe(SIM_PORT);
    expect(v4.txt).toEqual(
      expect.arrayContaining([
        'txtvers=1',
        'ty=scan2mqtt Lab Share',
        'rs=eSCL',
        `UUID=${UUID}`,
        'pdl=application/pdf,image/jpeg,image/png',
        'cs=color,grayscale',
        'is=platen,adf',
        'duplex=F',
        `adminurl=http://${gatewayAddress}:${SIM_PORT}/`,
        `representation=http://${gatewayAddress}:${SIM_PORT}/eSCL/icon.png`,
        'note=lab gateway',
      ]),
    );
  });

  it('sane-airscan finds the shared scanner through its own discovery (scanimage -L)', { timeout: 60_000 }, async () => {
    let out = '';
    for (;;) {
      out = await listWith('airscan');
      if (/device `airscan:e\d+:Shared Lide'/.test(out)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(out).toMatch(/device `airscan:e\d+:Shared Lide' is a .*eSCL/);
  });

  it("SANE's escl backend finds it through its own discovery (scanimage -L)", { timeout: 60_000 }, async () => {
    const gatewayAddress = gatewayOn(lan);
    let out = '';
    for (;;) {
      out = await listWith('escl');
      if (out.includes(`escl:http://${gatewayAddress}:${SIM_PORT}`)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(out).toContain(`device \`escl:http://${gatewayAddress}:${SIM_PORT}'`);
  });

  it('odd and very long names arrive intact or cut to one DNS label; a rename is re-announced', { timeout: 60_000 }, async () => {
    const long = `Büro-Scanner (oben) ✓ ${'x'.repeat(80)}`;
    send({ op: 'publish', advert: advert({ scannerId: 'odd', name: long, uuid: '7d3e5f10-2222-4333-8444-955566660001', port: SIM_PORT + 1 }) });
    send({ op: 'publish', advert: advert({ scannerId: 'dots', name: 'v2.0 Scanner; "quoted" \\ back', uuid: '7d3e5f10-2222-4333-8444-955566660002', port: SIM_PORT + 2 }) });
    const cut = Buffer.from(long).subarray(0, 63).toString('utf8').replace(/\ufffd$/, '');
    await resolvedUntil(client, cut, (ls) => ls.length > 0);
    const dots = await resolvedUntil(client, 'v2-0 Scanner; "quoted" \\ back', (ls) => ls.length > 0);
    expect(dots[0]!.port).toBe(SIM_PORT + 2);
    send({ op: 'publish', advert: advert({ scannerId: 'dots', name: 'Renamed', uuid: '7d3e5f10-2222-4333-8444-955566660002', port: SIM_PORT + 2 }) });
    await resolvedUntil(client, 'Renamed', (ls) => ls.length > 0);
    await resolvedUntil(client, 'v2-0 Scanner; "quoted" \\ back', (ls) => ls.length === 0);
  });

  it('a new interface gets the adverts; an interface going away is survived', { timeout: 90_000 }, async () => {
    const second = net.addLan();
    const other = await clientHost(second, 's2m-client-2');
    try {
      await resolvedUntil(other, 'Shared Lide', (ls) => ls.some((l) => l.address === gatewayOn(second)));
      const gatewayEnd = execFileSync('ip', ['-n', net.gatewayNamespace, '-o', 'link'], { encoding: 'utf8' }).match(/s2mg1[0-9a-f]+/)![0];
      execFileSync('ip', ['-n', net.gatewayNamespace, 'link', 'del', gatewayEnd]);
      await until(() => logs.some((l) => l.msg === 'DNS-SD: interface gone' && String(l.link).startsWith(gatewayEnd)));
      send({ op: 'publish', advert: advert({ note: 'still here' }) });
      await resolvedUntil(other, 'Shared Lide', (ls) => ls.some((l) => l.txt.includes('note=still here')));
      expect(child.exitCode).toBeNull();
    } finally {
      other.stop();
    }
  });

  it('withdraw and stop send goodbyes: the adverts leave avahi at once', { timeout: 60_000 }, async () => {
    const second = net.addLan();
    const watcher = await clientHost(second, 's2m-client-3');
    try {
      await resolvedUntil(watcher, 'Shared Lide', (ls) => ls.length > 0);
      await resolvedUntil(watcher, 'Renamed', (ls) => ls.length > 0);
      send({ op: 'withdraw', scannerId: 'dots' });
      await resolvedUntil(watcher, 'Renamed', (ls) => ls.length === 0);
      expect((await watcher.browse('_uscan._tcp')).some((l) => l.name === 'Shared Lide')).toBe(true);
      send({ op: 'stop' });
      await new Promise<void>((ok) => (child.exitCode !== null ? ok() : child.once('exit', () => ok())));
      await resolvedUntil(watcher, 'Shared Lide', (ls) => ls.length === 0);
      expect((await watcher.browse('_uscan._tcp')).filter((l) => l.host.endsWith('-scan2mqtt.local'))).toEqual([]);
    } finally {
      watcher.stop();
    }
  });
});
