/**
 * Test harness: the real Debian `saned` with the SANE `test` backend on 127.0.0.1,
 * in the foreground in its own process group (it forks a child per connection), with
 * a private config folder. Also runs Debian `scanimage` through the `net` backend
 * against it, to compare pixels with a reference client.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when the saned binary is installed (tests skip otherwise). */
export const SANED_AVAILABLE = spawnSync('sh', ['-c', 'command -v saned && command -v scanimage'], { stdio: 'ignore' }).status === 0;

/** Geometry limit of the test backend raised from 200 mm so A4/Letter/Legal fit. */
const GEOMETRY_MAX_MM = 356;
/** How long saned may take to listen. */
const LISTEN_WAIT_MS = 5_000;
/** Pause between checks while waiting for saned to listen. */
const LISTEN_POLL_MS = 25;

/** Options of startSaned. */
export interface SanedOptions {
  users?: { user: string; password: string }[];
  dataPortRange?: [number, number];
  /** Lines appended to the test backend's test.conf. */
  testConf?: string;
  /** Listen on this port (to restart a killed saned where clients expect it); a free one by default. */
  port?: number;
}

/** A running saned. */
export interface SanedHarness {
  host: string;
  port: number;
  configDir: string;
  /** Kills saned and all its per-connection children. */
  killNow(): void;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound and released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function writeConfig(dir: string, options: SanedOptions): Promise<void> {
  await writeFile(join(dir, 'dll.conf'), 'test\n');
  const range = options.dataPortRange ? `data_portrange = ${options.dataPortRange[0]} - ${options.dataPortRange[1]}\n` : '';
  await writeFile(join(dir, 'saned.conf'), `${range}127.0.0.1\n`);
  if (options.users) await writeFile(join(dir, 'saned.users'), options.users.map((u) => `${u.user}:${u.password}:test\n`).join(''));
  const stock = await readFile('/etc/sane.d/test.conf', 'utf8');
  const raised = stock.replace(/^geometry_max.*$/m, `geometry_max ${GEOMETRY_MAX_MM}.0`);
  await writeFile(join(dir, 'test.conf'), raised + '\n' + (options.testConf ?? '') + '\n');
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Starts saned on a free loopback port with the `test` backend. */
export async function startSaned(options: SanedOptions = {}): Promise<SanedHarness> {
  const configDir = await mkdtemp(join(tmpdir(), 'scan2mqtt-saned-'));
  await writeConfig(configDir, options);
  const port = options.port ?? (await freePort());
  const child = spawn('saned', ['-l', '-e', '-b', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, SANE_CONFIG_DIR: configDir },
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + LISTEN_WAIT_MS;
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      killGroup(child);
      await rm(configDir, { recursive: true, force: true });
      throw new Error(`saned did not listen on ${port}: ${log}`);
    }
    await new Promise((r) => setTimeout(r, LISTEN_POLL_MS));
  }
  return {
    host: '127.0.0.1',
    port,
    configDir,
    killNow: () => killGroup(child),
    stop: async () => {
      killGroup(child);
      if (child.exitCode === null && child.signalCode === null) await exited;
      await rm(configDir, { recursive: true, force: true });
    },
  };
}

/** Result of a scanimage run. */
export interface ScanimageResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Options of scanimageNet. */
export interface ScanimageNetOptions {
  /** A command that runs scanimage, e.g. `['/usr/bin/time', '-f', '%M']` for its peak RSS. */
  wrapper?: string[];
}

/**
 * Runs Debian `scanimage` through SANE's `net` backend against the harness. The net
 * backend has no port syntax, so it runs in a private mount namespace in which a copy
 * of /etc/services maps `sane-port` to the harness port. Device: `net:127.0.0.1:test:0`.
 */
export async function scanimageNet(harness: SanedHarness, args: string[], options: ScanimageNetOptions = {}): Promise<ScanimageResult> {
  const clientDir = join(harness.configDir, 'client-net');
  await mkdir(clientDir, { recursive: true });
  await writeFile(join(clientDir, 'dll.conf'), 'net\n');
  await writeFile(join(clientDir, 'net.conf'), `connect_timeout = 5\n${harness.host}\n`);
  const services = (await readFile('/etc/services', 'utf8')).replace(/^sane-port\s.*$/m, `sane-port\t${harness.port}/tcp\tsane saned`);
  const servicesPath = join(clientDir, 'services');
  await writeFile(servicesPath, services);
  const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/services && exec "$@"', servicesPath, ...(options.wrapper ?? []), 'scanimage', ...args], {
    env: { ...process.env, SANE_CONFIG_DIR: clientDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout: Buffer.concat(out), stderr };
}

/**
 * Runs Debian `scanimage` on the harness's backend directly (no network), as the
 * reference where the net backend itself is unreliable: its three-pass frames race
 * with saned (GET_PARAMETERS after START can describe the next frame).
 */
export async function scanimageDirect(harness: SanedHarness, args: string[]): Promise<ScanimageResult> {
  const child = spawn('scanimage', args, { env: { ...process.env, SANE_CONFIG_DIR: harness.configDir }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout: Buffer.concat(out), stderr };
}
