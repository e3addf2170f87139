/**
 * Home Assistant scale figures (issue #4): 200 hand-listed eSCL simulators (distinct UUIDs)
 * behind one gateway. Seconds from process start until every HA discovery payload is on the
 * broker, the gateway's RSS, and its CPU share over a minute of idle status polling.
 * Aims: under 10 s, under 200 MiB, under 5 % of one core.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { connectProbe } from '../test/helpers/mqtt-probe.js';
import { retainedUnder } from '../test/homeassistant/retained-snapshot.js';
import { EsclSimulator } from '../test/sim/escl/index.js';
import { peakRssMiB, report, spawnUntil, stopChild } from './lib.js';

const REPO = resolve(import.meta.dirname, '..');
const SCANNERS = Number(process.env.BENCH_HA_SCANNERS ?? 200);
const IDLE_S = Number(process.env.BENCH_HA_IDLE_S ?? 60);
/** Lets the start-up burst (capabilities, first polls) end before CPU is measured. */
const SETTLE_MS = 5_000;
/** A limit for the whole discovery, far above the aim. */
const DISCOVERY_LIMIT_MS = 120_000;

/** Current resident set size of a live process in MiB (VmRSS). */
function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

/** User + system CPU time of a process in seconds (/proc/<pid>/stat fields 14 and 15, in clock ticks). */
function cpuSeconds(pid: number, ticksPerSecond: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** Runs the Home Assistant scale benchmark and prints its rows. */
export async function benchHomeAssistant(): Promise<void> {
  const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const broker = await startMosquitto();
  const sims = Array.from({ length: SCANNERS }, () => new EsclSimulator({ uuid: randomUUID() }));
  await Promise.all(sims.map((s) => s.start()));
  const data = await mkdtemp(join(tmpdir(), 'bench-ha-'));
  const probe = await connectProbe(broker.url);
  const devices = sims.map((s, i) => ({ name: `Scanner ${i}`, protocol: 'escl', url: s.baseUrl, friendly_name: `scanner_${i}` }));
  let gateway: Awaited<ReturnType<typeof spawnUntil>> | undefined;
  try {
    // Scanner payloads count once they carry the capability selects; plus the bridge's own.
    const complete = new Set<string>();
    let allOut: () => void = () => undefined;
    const everyone = new Promise<void>((done) => (allOut = done));
    probe.client.on('message', (topic, payload) => {
      if (!topic.startsWith('homeassistant/device/') || payload.length === 0) return;
      const cmps = (JSON.parse(payload.toString()) as { cmps?: Record<string, unknown> }).cmps ?? {};
      if ('resolution' in cmps || topic.endsWith('_bridge/config')) complete.add(topic);
      if (complete.size >= SCANNERS + 1) allOut();
    });
    await probe.client.subscribeAsync('homeassistant/device/+/config', { qos: 1 });
    const t0 = performance.now();
    gateway = await spawnUntil('node', [join(REPO, 'dist/main.js')], {
      env: {
        ...process.env,
        SCAN2MQTT_MQTT_URL: broker.url,
        SCAN2MQTT_MQTT_EMBEDDED_BROKER: 'never',
        SCAN2MQTT_DISCOVERY_MDNS: 'false',
        SCAN2MQTT_DATA_FOLDER: data,
        SCAN2MQTT_STORAGE_FOLDER: join(data, 'scans'),
        SCAN2MQTT_LOG_LEVEL: 'info',
        SCAN2MQTT_LOG_PRETTY: 'false',
        SCAN2MQTT_DEVICES: JSON.stringify(devices),
      },
      ready: /scan2mqtt started/,
      timeoutMs: DISCOVERY_LIMIT_MS,
    }).catch((error: unknown) => {
      throw new Error(`gateway did not start: ${String(error)}`);
    });
    const pid = gateway.child.pid!;
    await Promise.race([everyone, sleep(DISCOVERY_LIMIT_MS).then(() => Promise.reject(new Error(`only ${complete.size} of ${SCANNERS + 1} discovery payloads`)))]);
    const discoverySeconds = (performance.now() - t0) / 1000;
    const retained = await retainedUnder(broker.url, 'homeassistant/device/+/config');
    const rssAfterDiscovery = rssMiB(pid);

    await sleep(SETTLE_MS);
    const cpuBefore = cpuSeconds(pid, ticksPerSecond);
    const wallBefore = performance.now();
    await sleep(IDLE_S * 1000);
    const cpuUsed = cpuSeconds(pid, ticksPerSecond) - cpuBefore;
    const wall = (performance.now() - wallBefore) / 1000;
    const polls = sims.reduce((n, s) => n + s.requests.filter((r) => r.path.endsWith('/ScannerStatus')).length, 0);

    report(`HA: ${SCANNERS} scanners, gateway start -> all discovery out`, discoverySeconds, 's', `aim < 10 s; ${retained.size} retained device configs`);
    report('  gateway RSS after discovery', rssAfterDiscovery, 'MiB', 'aim < 200 MiB');
    report(`  gateway RSS after ${IDLE_S} s idle polling (peak)`, rssMiB(pid), 'MiB', `peak ${peakRssMiB(pid).toFixed(0)} MiB`);
    report(`  gateway CPU, ${IDLE_S} s idle polling (idle_s 10)`, (100 * cpuUsed) / wall, '% core', `aim < 5 %; ${polls} status requests in total`);
    const errors = gateway.output().split('\n').filter((line) => /"level":(50|60)/.test(line));
    if (errors.length > 0) console.log(`  gateway logged ${errors.length} errors, first: ${errors[0]}`);
  } finally {
    await probe.close();
    if (gateway) await stopChild(gateway.child);
    await Promise.all(sims.map((s) => s.stop()));
    await broker.stop();
    await rm(data, { recursive: true, force: true });
  }
}
