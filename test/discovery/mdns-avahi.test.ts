/**
 * mDNS discovery beside a real avahi-daemon on the real port 5353, inside a network
 * namespace this test creates (only `lo`, so nothing leaves it). avahi publishes a
 * `_uscan` and a `_uscans` service from static service files; discovery runs in a child
 * process in the same namespace and prints JSON lines. Needs root (ip netns, mounts) and
 * avahi-daemon; skipped otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceFinding } from '../../src/core/device.js';
import { DeviceRegistry } from '../../src/discovery/registry.js';
import { until } from './helpers.js';

const AVAHI = '/usr/sbin/avahi-daemon';
const isRoot = process.getuid?.() === 0;
const canRun = isRoot && existsSync(AVAHI);
const UUID = '0a0b0c0d-1111-4222-8333-944445555666';
const NS = `s2m-disc-${process.pid}`;
const CHILD = fileURLToPath(new URL('./netns/discovery-child.ts', import.meta.url));

const SERVICES = `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>Avahi Lab Scanner</name>
  <service><type>_uscan._tcp</type><port>18099</port>
    <txt-record>txtvers=1</txt-record><txt-record>rs=eSCL</txt-record>
    <txt-record>ty=Avahi Lab Scanner 1</txt-record><txt-record>UUID=${UUID}</txt-record></service>
  <service><type>_uscans._tcp</type><port>18443</port>
    <txt-record>txtvers=1</txt-record><txt-record>rs=eSCL</txt-record>
    <txt-record>ty=Avahi Lab Scanner 1</txt-record><txt-record>uuid=urn:uuid:${UUID}</txt-record></service>
</service-group>
`;

const AVAHI_CONF = `[server]
host-name=s2m-disc-test
domain-name=local
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
enable-dbus=no
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
`;

interface ChildLine {
  event: 'log' | 'finding' | 'goodbye';
  msg?: string;
  finding?: DeviceFinding;
  key?: string;
  url?: string;
}

let dir = '';
let avahi: ChildProcess | undefined;
let discovery: ChildProcess | undefined;
const lines: ChildLine[] = [];
const registry = new DeviceRegistry();

function run(cmd: string, args: string[]): void {
  const result = spawnSync(cmd, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${result.stderr}`);
}

function exited(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

describe.skipIf(!canRun)('mDNS discovery beside a real avahi-daemon (network namespace; needs root)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 's2m-disc-'));
    writeFileSync(join(dir, 'avahi-daemon.conf'), AVAHI_CONF);
    writeFileSync(join(dir, 'scanner.service'), SERVICES);
    run('ip', ['netns', 'add', NS]);
    run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    run('ip', ['-n', NS, 'link', 'set', 'lo', 'multicast', 'on']);
    // Private mounts: avahi's pid dir and service dir are fixed paths, shadowed for this daemon only.
    const script = [
      'mount -t tmpfs tmpfs /run',
      'mkdir -p /run/avahi-daemon',
      `mount --bind ${dir} /etc/avahi/services`,
      `exec ${AVAHI} --no-chroot --no-drop-root --no-rlimits -f ${join(dir, 'avahi-daemon.conf')}`,
    ].join(' && ');
    avahi = spawn('ip', ['netns', 'exec', NS, 'unshare', '-m', '--propagation', 'private', 'sh', '-c', script], { stdio: 'ignore' });
    discovery = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', CHILD], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: discovery.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as ChildLine;
      lines.push(line);
      if (line.event === 'finding' && line.finding) registry.report(line.finding);
      if (line.event === 'goodbye' && line.key && line.url) registry.withdraw(line.key, 'mdns', line.url);
    });
  });

  afterAll(async () => {
    for (const child of [discovery, avahi]) {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited(child);
    }
    spawnSync('ip', ['netns', 'del', NS]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('binds 5353 next to avahi and merges its _uscan and _uscans adverts into one device', async () => {
    await until(() => lines.some((l) => l.msg === 'mDNS socket ready'));
    await until(() => (registry.getByKey(`uuid:${UUID}`)?.endpoints.length ?? 0) >= 4);
    expect(lines.some((l) => l.msg === 'mDNS socket failed; retrying')).toBe(false);
    const records = registry.list();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ id: UUID.replace(/-/g, '_'), name: 'Avahi Lab Scanner 1', present: true, protocol: 'escl' });
    // avahi announces ::1 beside 127.0.0.1 on lo: plain before TLS, IPv4 before IPv6.
    expect(records[0]?.endpoints).toEqual([
      { url: 'http://127.0.0.1:18099/eSCL/' },
      { url: 'http://[::1]:18099/eSCL/' },
      { url: 'https://127.0.0.1:18443/eSCL/', insecureTls: true },
      { url: 'https://[::1]:18443/eSCL/', insecureTls: true },
    ]);
  }, 30_000);

  it('loses the device when avahi says goodbye on shutdown', async () => {
    avahi?.kill('SIGTERM');
    await exited(avahi);
    await until(() => registry.getByKey(`uuid:${UUID}`)?.present === false);
    expect(lines.filter((l) => l.event === 'goodbye').map((l) => l.url).sort()).toEqual([
      'http://127.0.0.1:18099/eSCL/',
      'http://[::1]:18099/eSCL/',
      'https://127.0.0.1:18443/eSCL/',
      'https://[::1]:18443/eSCL/',
    ]);
    expect(discovery?.exitCode).toBeNull();
  }, 30_000);
});
