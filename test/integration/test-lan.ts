/**
 * A multi-homed gateway host for discovery tests: a network namespace for the gateway with
 * NO default route (an isolated IoT VLAN), one veth "LAN" per device namespace (added at
 * any time, so interfaces can come while the gateway runs), and one more veth to this
 * namespace for the MQTT broker the test talks to. Addresses are TEST-NET-2/3 (RFC 5737),
 * so nothing leaves the namespaces. Needs root; everything is removed by `destroy()`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
const AVAHI = '/usr/sbin/avahi-daemon';

/**
 * The broker link of each test network is a /30 of its own in 198.18.0.0/15 (RFC 2544, benchmarking),
 * picked at random: test files run in parallel, and two networks giving the host the same address on two
 * links would route one's broker traffic into the other.
 */
function brokerLinkAddresses(): { host: string; gateway: string } {
  const base = 0xc6120000 + (randomBytes(4).readUInt32BE(0) % (1 << 15)) * 4;
  const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  return { host: dotted(base + 1), gateway: dotted(base + 2) };
}

/** True when this process may create namespaces. */
export function canCreateNamespaces(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** One device namespace and its veth pair to the gateway namespace. */
export interface TestLanSegment {
  readonly namespace: string;
  /** The device's address on this LAN (198.51.100.<64n+1>). */
  readonly deviceAddress: string;
  /** Runs a command inside the device namespace (output piped). */
  spawn(command: string, args: string[]): ChildProcess;
  /** Runs avahi-daemon (host name `hostName`) here, publishing the given DNS-SD service file XML. */
  startAvahi(hostName: string, servicesXml: string): ChildProcess;
}

/** The gateway namespace with its LANs. */
export interface TestNetwork {
  readonly gatewayNamespace: string;
  /** This namespace's end of the broker link: a broker listening here is reachable from the gateway. */
  readonly brokerHost: string;
  /** Adds a LAN with a fresh device namespace (the gateway sees a new interface). */
  addLan(): TestLanSegment;
  destroy(): void;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

/** Creates the gateway namespace and its broker link; add LANs with `addLan()`. */
export function createTestNetwork(): TestNetwork {
  const tag = randomBytes(3).toString('hex');
  const gatewayNamespace = `s2m-gw-${tag}`;
  const namespaces = [gatewayNamespace];
  const children: ChildProcess[] = [];
  const folders: string[] = [];
  const brokerEnd = `s2mb${tag}`;
  const link = brokerLinkAddresses();
  ip('netns', 'add', gatewayNamespace);
  const inGw = (...args: string[]) => ip('-n', gatewayNamespace, ...args);
  const destroy = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    try {
      ip('link', 'del', brokerEnd);
    } catch {
      // deleting the namespace removes the pair too
    }
    for (const ns of namespaces) execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  };
  try {
    inGw('link', 'set', 'lo', 'up');
    ip('link', 'add', brokerEnd, 'type', 'veth', 'peer', 'name', `s2mB${tag}`);
    ip('link', 'set', `s2mB${tag}`, 'netns', gatewayNamespace);
    ip('addr', 'add', `${link.host}/30`, 'dev', brokerEnd);
    ip('link', 'set', brokerEnd, 'up');
    inGw('addr', 'add', `${link.gateway}/30`, 'dev', `s2mB${tag}`);
    inGw('link', 'set', `s2mB${tag}`, 'up');
  } catch (error) {
    destroy();
    throw error;
  }
  let lans = 0;
  return {
    gatewayNamespace,
    brokerHost: link.host,
    addLan() {
      const n = ++lans;
      const namespace = `s2m-dev${n}-${tag}`;
      const deviceEnd = `s2md${n}${tag}`;
      const gatewayEnd = `s2mg${n}${tag}`;
      const deviceAddress = `198.51.100.${64 * (n - 1) + 1}`;
      const gatewayAddress = `198.51.100.${64 * (n - 1) + 2}`;
      ip('netns', 'add', namespace);
      namespaces.push(namespace);
      const inDev = (...args: string[]) => ip('-n', namespace, ...args);
      ip('link', 'add', deviceEnd, 'netns', namespace, 'type', 'veth', 'peer', 'name', gatewayEnd, 'netns', gatewayNamespace);
      for (const [ns, dev] of [[namespace, deviceEnd], [gatewayNamespace, gatewayEnd]] as const) {
        // No duplicate address detection: link-local IPv6 is usable at once.
        execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${dev}.accept_dad=0`], { stdio: 'pipe' });
      }
      inDev('addr', 'add', `${deviceAddress}/26`, 'dev', deviceEnd);
      inDev('link', 'set', deviceEnd, 'up', 'multicast', 'on');
      inDev('link', 'set', 'lo', 'up');
      // The device's own mDNS announcer (bonjour-service) sends by the routing table.
      inDev('route', 'add', '224.0.0.0/4', 'dev', deviceEnd);
      inGw('addr', 'add', `${gatewayAddress}/26`, 'dev', gatewayEnd);
      inGw('link', 'set', gatewayEnd, 'up', 'multicast', 'on');
      const spawnHere = (command: string, args: string[]) => {
        const child = spawn('ip', ['netns', 'exec', namespace, command, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
        children.push(child);
        return child;
      };
      return {
        namespace,
        deviceAddress,
        spawn: spawnHere,
        startAvahi(hostName, servicesXml) {
          const dir = mkdtempSync(join(tmpdir(), 's2m-avahi-'));
          folders.push(dir);
          writeFileSync(join(dir, 'avahi-daemon.conf'), avahiConf(hostName, deviceEnd));
          writeFileSync(join(dir, 'device.service'), servicesXml);
          // Private mounts: avahi's pid dir and service dir are fixed paths, shadowed for this daemon only.
          const script = [
            'mount -t tmpfs tmpfs /run',
            'mkdir -p /run/avahi-daemon',
            `mount --bind ${dir} /etc/avahi/services`,
            `exec ${AVAHI} --no-chroot --no-drop-root --no-rlimits -f ${join(dir, 'avahi-daemon.conf')}`,
          ].join(' && ');
          return spawnHere('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script]);
        },
      };
    },
    destroy,
  };
}

function avahiConf(hostName: string, iface: string): string {
  return `[server]
host-name=${hostName}
domain-name=local
use-ipv4=yes
use-ipv6=yes
allow-interfaces=${iface}
enable-dbus=no
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
`;
}

/** Starts the eSCL simulator CLI inside a LAN's device namespace; resolves with its URL. */
export function startSimulatorIn(lan: TestLanSegment, args: string[]): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = lan.spawn(process.execPath, ['--import', 'tsx', 'test/sim/escl/cli.ts', '--host', lan.deviceAddress, ...args]);
  return new Promise((resolveStart, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`simulator did not start: ${out}`)), 20_000);
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const url = out.split('\n').find((l) => l.startsWith('http'));
      if (url) {
        clearTimeout(timer);
        resolveStart({
          url,
          child,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited ${code}: ${out}`)));
  });
}

/** An avahi service file announcing one `_uscan._tcp` eSCL service. */
export function esclServiceXml(opts: { name: string; port: number; uuid: string; ty: string }): string {
  return `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>${opts.name}</name>
  <service><type>_uscan._tcp</type><port>${opts.port}</port>
    <txt-record>txtvers=1</txt-record><txt-record>rs=eSCL</txt-record>
    <txt-record>ty=${opts.ty}</txt-record><txt-record>UUID=${opts.uuid}</txt-record></service>
</service-group>
`;
}
