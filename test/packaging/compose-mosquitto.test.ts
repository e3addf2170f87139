/**
 * The Mosquitto config docker-compose ships (config/mosquitto.conf), run by a real mosquitto
 * with host networking's view: in a network namespace of its own ("the host", ports as shipped)
 * with a veth to a second namespace ("another host on the LAN"). Shipped, it answers on
 * loopback and refuses the LAN; opened as the README says (a password file, the `#open: `
 * lines), the LAN gets in with the password only. The compose healthcheck command is run too.
 * Needs root (namespaces); docker-compose.yml itself is validated by .ci/run and below.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canCreateNamespaces } from '../integration/test-lan.js';

const REPO = resolve(import.meta.dirname, '../..');
const HOST_ADDRESS = '203.0.113.1';
const canRun = canCreateNamespaces();
/** A limit for mosquitto's start, not an assertion. */
const START_LIMIT_MS = 10_000;

interface Outcome {
  code: number;
  output: string;
}
/** Runs a command inside a namespace; resolves with its exit code and output. */
function inNs(ns: string, command: string, args: string[]): Promise<Outcome> {
  return new Promise((done) => {
    execFile('ip', ['netns', 'exec', ns, command, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}
/** One publish, as a client would make it (mosquitto_pub: exit 0 only after CONNACK accepted and the publish sent). */
const publish = (ns: string, host: string, port: number, login?: { username: string; password: string }) =>
  inNs(ns, 'mosquitto_pub', ['-h', host, '-p', String(port), '-t', 'scan2mqtt/test', '-m', 'x', ...(login ? ['-u', login.username, '-P', login.password] : [])]);

describe.skipIf(!canRun)('the compose Mosquitto config, with a real mosquitto (needs root)', () => {
  const tag = randomBytes(3).toString('hex');
  const hostNs = `s2m-mq-${tag}`;
  const lanNs = `s2m-lan-${tag}`;
  let dir: string;
  let broker: ChildProcess | undefined;

  /** Starts mosquitto in the host namespace with `conf` (the shipped text with the data folder moved to a temp one). */
  async function startBroker(conf: string): Promise<void> {
    await stopBroker();
    const text = conf.replaceAll('/mosquitto/data/', `${dir}/`) + (process.getuid?.() === 0 ? 'user root\n' : '');
    await writeFile(join(dir, 'mosquitto.conf'), text);
    broker = spawn('ip', ['netns', 'exec', hostNs, '/usr/sbin/mosquitto', '-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    broker.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    broker.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    // Its stdout log is block-buffered in a pipe: the loopback port accepting is the sign it runs.
    const deadline = Date.now() + START_LIMIT_MS;
    while ((await inNs(hostNs, 'bash', ['-c', 'exec 3<>/dev/tcp/127.0.0.1/1883'])).code !== 0) {
      if (broker.exitCode !== null || Date.now() > deadline) throw new Error(`mosquitto did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async function stopBroker(): Promise<void> {
    const running = broker;
    broker = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((done) => running.once('exit', done));
    running.kill('SIGTERM');
    await exited;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scan2mqtt-compose-mq-'));
    await chmod(dir, 0o755);
    const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
    ip('netns', 'add', hostNs);
    ip('netns', 'add', lanNs);
    ip('link', 'add', `s2mh${tag}`, 'netns', hostNs, 'type', 'veth', 'peer', 'name', `s2ml${tag}`, 'netns', lanNs);
    ip('-n', hostNs, 'addr', 'add', `${HOST_ADDRESS}/24`, 'dev', `s2mh${tag}`);
    ip('-n', lanNs, 'addr', 'add', '203.0.113.2/24', 'dev', `s2ml${tag}`);
    for (const [ns, dev] of [[hostNs, `s2mh${tag}`], [lanNs, `s2ml${tag}`]] as const) {
      ip('-n', ns, 'link', 'set', dev, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
  });

  afterAll(async () => {
    await stopBroker();
    for (const ns of [hostNs, lanNs]) execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('as shipped: the gateway on the same host gets in over loopback, the LAN is refused', async () => {
    await startBroker(await readFile(join(REPO, 'config/mosquitto.conf'), 'utf8'));
    expect((await publish(hostNs, '127.0.0.1', 1883)).code).toBe(0);
    const fromLan = await publish(lanNs, HOST_ADDRESS, 1883);
    expect(fromLan.code).not.toBe(0);
    expect(fromLan.output).toMatch(/refused/i);
    expect((await publish(lanNs, HOST_ADDRESS, 1884)).code).not.toBe(0);
  });

  it('the compose healthcheck command succeeds against it, and fails with no broker', async () => {
    const compose = parse(await readFile(join(REPO, 'docker-compose.yml'), 'utf8')) as { services: Record<string, any> };
    const [form, command, ...args] = compose.services.mosquitto.healthcheck.test as string[];
    expect(form).toBe('CMD');
    // Compose turns $$ into $ before running it.
    const unescaped = args.map((a) => a.replaceAll('$$', '$'));
    expect((await inNs(hostNs, command!, unescaped)).code).toBe(0);
    await stopBroker();
    expect((await inNs(hostNs, command!, unescaped)).code).not.toBe(0);
  });

  it('opened as the README says: the LAN gets in with the password only, loopback still works', async () => {
    execFileSync('mosquitto_passwd', ['-c', '-b', join(dir, 'passwd'), 'homeassistant', 'scan-secret']);
    await chmod(join(dir, 'passwd'), 0o644);
    const opened = (await readFile(join(REPO, 'config/mosquitto.conf'), 'utf8')).replaceAll(/^#open: /gm, '');
    await startBroker(opened);
    const anonymous = await publish(lanNs, HOST_ADDRESS, 1884);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.output).toMatch(/not authori[sz]ed/i);
    expect((await publish(lanNs, HOST_ADDRESS, 1884, { username: 'homeassistant', password: 'wrong' })).code).not.toBe(0);
    expect((await publish(lanNs, HOST_ADDRESS, 1884, { username: 'homeassistant', password: 'scan-secret' })).code).toBe(0);
    expect((await publish(hostNs, '127.0.0.1', 1883)).code).toBe(0);
    expect((await publish(lanNs, HOST_ADDRESS, 1883)).code).not.toBe(0);
  });

  it('docker-compose.yml: the gateway waits for a healthy broker, both on the host network', async () => {
    const compose = parse(await readFile(join(REPO, 'docker-compose.yml'), 'utf8')) as { services: Record<string, any> };
    expect(compose.services.scan2mqtt.depends_on).toEqual({ mosquitto: { condition: 'service_healthy' } });
    expect(compose.services.scan2mqtt.network_mode).toBe('host');
    expect(compose.services.mosquitto.network_mode).toBe('host');
    const check = await new Promise<number>((done) => execFile('docker-compose', ['-f', join(REPO, 'docker-compose.yml'), 'config', '-q'], (error) => done(error ? 1 : 0)));
    expect(check).toBe(0);
  });
});
