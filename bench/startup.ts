/**
 * Start-up figures (issue #13): process start to a retained `bridge/state` online for the built
 * gateway (`node dist/main.js`, as `npm start` runs it after its build), the whole `npm start`
 * (npm, the tsc build step, then the gateway) and the build step's share of it; idle RSS with
 * one hand-listed scanner, and whether sharp was loaded by then (it should be loaded lazily).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../test/helpers/mqtt-probe.js';
import { median, report, rssMiB, stopChild } from './lib.js';
import { WireEsclSource } from './wire-escl-source.js';

const REPO = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
/** Idle RSS is read this long after the scanner came online (first status poll and capabilities done). */
const SETTLE_MS = 3_000;
const ONLINE_WAIT_MS = 120_000;

/** Runs the start-up benchmarks and prints their rows. */
export async function benchStartup(): Promise<void> {
  const broker = await startMosquitto();
  const source = new WireEsclSource();
  await source.start();
  const probe = await connectProbe(broker.url);
  const data = await mkdtemp(join(tmpdir(), 'bench-startup-'));
  const env = gatewayEnv(broker.url, data, source.baseUrl);
  try {
    const node: number[] = [];
    for (let i = 0; i < RUNS; i++) node.push((await timeToOnline(probe, 'node', [join(REPO, 'dist/main.js')], env)).ms);
    const npm = await timeToOnline(probe, 'npm', ['start', '--silent'], env, { idle: true });
    report(`start-up: node dist/main.js to bridge/state online (median of ${RUNS})`, median(node), 'ms');
    report('start-up: npm start (npm + tsc build + gateway) to online', npm.ms, 'ms');
    report('  share of npm start before the gateway starts (npm + build)', (npm.ms - median(node)) / npm.ms, 'ratio');
    report('idle RSS, one eSCL scanner online, no scan yet', npm.idleRss ?? NaN, 'MiB', npm.sharpLoaded ? 'sharp loaded' : 'sharp not loaded');
  } finally {
    await probe.close();
    await source.stop();
    await broker.stop();
    await rm(data, { recursive: true, force: true });
  }
}

function gatewayEnv(brokerUrl: string, data: string, esclUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    SCAN2MQTT_MQTT_URL: brokerUrl,
    SCAN2MQTT_MQTT_EMBEDDED_BROKER: 'never',
    SCAN2MQTT_DISCOVERY_MDNS: 'false',
    SCAN2MQTT_DISCOVERY_WSD: 'false',
    SCAN2MQTT_DATA_FOLDER: data,
    SCAN2MQTT_STORAGE_FOLDER: join(data, 'scans'),
    SCAN2MQTT_LOG_LEVEL: 'warn',
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Bench', protocol: 'escl', url: esclUrl, friendly_name: 'bench' }]),
  };
}

/** Spawns the gateway, times it to `bridge/state` online, optionally reads its idle RSS, and stops it. */
async function timeToOnline(probe: MqttProbe, cmd: string, args: string[], env: NodeJS.ProcessEnv, options: { idle?: boolean } = {}): Promise<{ ms: number; idleRss?: number; sharpLoaded?: boolean }> {
  const states = await probe.collect('scan2mqtt/bridge/state');
  const t0 = performance.now();
  const child = spawn(cmd, args, { cwd: REPO, env, stdio: 'ignore' });
  try {
    await states.next((m) => m.text().includes('"online"'), ONLINE_WAIT_MS);
    const ms = performance.now() - t0;
    if (!options.idle) return { ms };
    await probe.waitFor('scan2mqtt/bench/availability', (m) => m.text() === 'online', ONLINE_WAIT_MS);
    await sleep(SETTLE_MS);
    const pid = await gatewayPid(child);
    const maps = await readFile(`/proc/${pid}/maps`, 'utf8').catch(() => '');
    return { ms, idleRss: rssMiB(pid), sharpLoaded: /libvips|sharp-linux/.test(maps) };
  } finally {
    await states.stop();
    await stopGateway(child);
  }
}

/** npm runs the gateway as a grandchild (npm, sh, node); the node process is the one measured. */
async function gatewayPid(child: ChildProcess): Promise<number | undefined> {
  const all = await descendants(child.pid);
  for (const pid of all) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('dist/main.js') && cmdline.startsWith('node')) return pid;
  }
  return child.pid;
}

async function descendants(pid: number | undefined): Promise<number[]> {
  if (pid === undefined) return [];
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean).map(Number);
  const below = await Promise.all(children.map((c) => descendants(c)));
  return [...children, ...below.flat()];
}

/** Stops the gateway (and, for npm, the node process under it) with SIGTERM. */
async function stopGateway(child: ChildProcess): Promise<void> {
  for (const pid of (await descendants(child.pid)).reverse()) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await stopChild(child);
}
