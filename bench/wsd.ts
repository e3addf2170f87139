/**
 * WSD figures (issue 10): a 600 dpi A4 colour ADF batch through the gateway (MQTT command to
 * stored files) against the WSD simulator, beside a plain HTTP loop doing the same WS-Scan pull
 * of the same pages, with pages/second, their ratio and peak RSS. The simulator draws each page
 * once (a warm-up batch) and then serves it from memory, so the figures are the clients' cost.
 */
import { join, resolve } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { connectProbe } from '../test/helpers/mqtt-probe.js';
import { WsdSimulator } from '../test/sim/wsd/simulator.js';
import { peakRssMiB, report, spawnUntil, startBenchGateway, stopChild } from './lib.js';

const REPO = resolve(import.meta.dirname, '..');
const ADF_PAGES = Number(process.env.BENCH_ADF_PAGES ?? 10);
const DPI = 600;

/** Runs the WSD benchmark and prints its rows. */
export async function benchWsd(): Promise<void> {
  const broker = await startMosquitto();
  const sim = await WsdSimulator.start({ adfSheets: ADF_PAGES });
  const data = await mkdtemp(join(tmpdir(), 'bench-wsd-'));
  const gateway = await startBenchGateway({ brokerUrl: broker.url, dataFolder: data, devices: [{ name: 'Bench WSD', protocol: 'wsd', url: sim.scanUrl, friendly_name: 'bench_wsd' }] });
  const probe = await connectProbe(broker.url);
  try {
    await probe.waitFor('scan2mqtt/bench_wsd/availability', (m) => m.text() === 'online', 30_000);
    const batch = async () => {
      sim.adfSheets = ADF_PAGES;
      const jobs = await probe.collect('scan2mqtt/bench_wsd/job');
      const t0 = performance.now();
      await probe.publish('scan2mqtt/bench_wsd/scan', JSON.stringify({ source: 'adf', resolution: DPI, color_mode: 'color', format: 'jpeg' }));
      const done = await jobs.next((m) => ['done', 'failed'].includes(JSON.parse(m.text()).state), 600_000);
      await jobs.stop();
      const event = JSON.parse(done.text());
      if (event.state !== 'done') throw new Error(`bench scan failed: ${JSON.stringify(event.error)}`);
      return { seconds: (performance.now() - t0) / 1000, pages: event.pages as number };
    };

    // Warm-up: the simulator draws the pages, the gateway loads its lazy modules.
    await batch();
    const measured = await batch();
    const gatewayRss = peakRssMiB(gateway.child.pid);

    // The plain loop asks for exactly the region the gateway asked for, so it gets the same (cached) pages.
    const ticket = [...sim.requests].reverse().find((r) => r.action.endsWith('/CreateScanJob'))?.body ?? '';
    const [width, height] = ['ScanRegionWidth', 'ScanRegionHeight'].map((name) => Number(new RegExp(`${name}>(\\d+)<`).exec(ticket)?.[1]));
    sim.adfSheets = ADF_PAGES;
    const plain = await spawnUntil('node', ['--import', 'tsx', join(REPO, 'bench/plain-http-wsd.ts'), sim.scanUrl, String(DPI), String(width), String(height)], { ready: /^\d+ /, timeoutMs: 600_000 });
    const [plainPages, plainSeconds, plainRss] = plain.line.trim().split(' ').map(Number) as [number, number, number];

    report(`WSD ADF ${measured.pages} p, ${DPI} dpi A4 colour JPEG: gateway`, measured.pages / measured.seconds, 'pages/s', `${measured.seconds.toFixed(2)} s MQTT command to done`);
    report(`WSD ADF ${plainPages} p, ${DPI} dpi A4 colour JPEG: plain HTTP loop`, plainPages / plainSeconds, 'pages/s', `${plainSeconds.toFixed(2)} s`);
    report('  gateway / plain HTTP throughput', measured.pages / measured.seconds / (plainPages / plainSeconds), 'ratio');
    report('  gateway peak RSS (whole daemon)', gatewayRss, 'MiB');
    report('  plain HTTP loop peak RSS', plainRss, 'MiB');
  } finally {
    await probe.close();
    await stopChild(gateway.child);
    await sim.close();
    await broker.stop();
    await rm(data, { recursive: true, force: true });
  }
}
