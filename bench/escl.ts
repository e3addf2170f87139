/**
 * eSCL figures (issue #2): a 600 dpi A4 colour ADF batch through the gateway (MQTT
 * command to stored files) versus a plain undici loop fetching the same pages, with
 * pages/second and peak RSS of each; and the latency from an MQTT scan command to the
 * simulator receiving POST ScanJobs.
 */
import { join, resolve } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { connectProbe } from '../test/helpers/mqtt-probe.js';
import { EsclSimulator } from '../test/sim/escl/index.js';
import { median, peakRssMiB, report, spawnUntil, startBenchGateway, stopChild } from './lib.js';
import { adfSettingsXml } from './escl-pull.js';

const REPO = resolve(import.meta.dirname, '..');
const ADF_PAGES = Number(process.env.BENCH_ADF_PAGES ?? 10);
const LATENCY_RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 15);

const A4_SETTINGS_600 = adfSettingsXml({ width: 2550, height: 3508, dpi: 600, mime: 'image/jpeg' });

/** Runs the eSCL benchmarks and prints their rows. */
export async function benchEscl(): Promise<void> {
  const broker = await startMosquitto();
  const sim = new EsclSimulator({ adfPages: ADF_PAGES });
  await sim.start();
  const data = await mkdtemp(join(tmpdir(), 'bench-escl-'));
  const gateway = await startBenchGateway({ brokerUrl: broker.url, dataFolder: data, devices: [{ name: 'Bench', protocol: 'escl', url: sim.baseUrl, friendly_name: 'bench' }] })
  const probe = await connectProbe(broker.url);
  try {
    await probe.waitFor('scan2mqtt/bench/availability', (m) => m.text() === 'online', 30_000);
    const scan = async (command: object) => {
      const jobs = await probe.collect('scan2mqtt/bench/job');
      const t0 = performance.now();
      await probe.publish('scan2mqtt/bench/scan', JSON.stringify(command));
      const done = await jobs.next((m) => ['done', 'failed'].includes(JSON.parse(m.text()).state), 600_000);
      await jobs.stop();
      const event = JSON.parse(done.text());
      if (event.state !== 'done') throw new Error(`bench scan failed: ${JSON.stringify(event.error)}`);
      return { seconds: (performance.now() - t0) / 1000, t0, event };
    };

    // Warm-up: the first job pays for lazy module loading in the gateway.
    await scan({ source: 'platen', resolution: 75, format: 'jpeg' });

    sim.loadAdf(ADF_PAGES);
    const batch = await scan({ source: 'adf', resolution: 600, color_mode: 'color', format: 'jpeg' });
    const gatewayRss = peakRssMiB(gateway.child.pid);
    sim.loadAdf(ADF_PAGES);
    const plain = await spawnUntil('node', ['--import', 'tsx', join(REPO, 'bench/plain-undici-escl.ts'), sim.baseUrl, A4_SETTINGS_600], { ready: /^\d+ / , timeoutMs: 600_000 });
    const [plainPages, plainSeconds, plainRss] = plain.line.trim().split(' ').map(Number) as [number, number, number];

    report(`eSCL ADF ${ADF_PAGES} p, 600 dpi A4 colour JPEG: gateway`, batch.event.pages / batch.seconds, 'pages/s', `${batch.seconds.toFixed(2)} s MQTT command to done`);
    report(`eSCL ADF ${ADF_PAGES} p, 600 dpi A4 colour JPEG: plain undici loop`, plainPages / plainSeconds, 'pages/s', `${plainSeconds.toFixed(2)} s`);
    report('  gateway / plain undici throughput', batch.event.pages / batch.seconds / (plainPages / plainSeconds), 'ratio');
    report('  gateway peak RSS (whole daemon)', gatewayRss, 'MiB');
    report('  plain undici loop peak RSS', plainRss, 'MiB');

    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) {
      const before = sim.requests.length;
      const { t0 } = await scan({ source: 'platen', resolution: 75, format: 'jpeg' });
      const post = sim.requests.slice(before).find((r) => r.method === 'POST' && r.path.endsWith('/ScanJobs'));
      if (post) latencies.push(post.time - (performance.timeOrigin + t0));
    }
    report(`MQTT scan command -> first POST ScanJobs (median of ${latencies.length})`, median(latencies), 'ms');
  } finally {
    await probe.close();
    await stopChild(gateway.child);
    await sim.stop();
    await broker.stop();
    await rm(data, { recursive: true, force: true });
  }
}
