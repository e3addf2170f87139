/**
 * eSCL figures (issues #2, #13) against a wire-speed device (wire-escl-source.ts serves
 * pre-made pages, so what is measured is the gateway's own cost): the gateway (MQTT command
 * to stored, fsync'd files) beside a plain undici loop and `curl` fetching the same pages,
 * in one run, as ratios; bodies in 64 KiB chunks, in AirSane's one-chunk-per-line and in one
 * write; memory growth for 600 dpi A4 colour pages per format; a 100-page ADF batch into one
 * PDF; and the latency from an MQTT scan command to POST ScanJobs.
 */
import { join, resolve } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../test/helpers/mqtt-probe.js';
import { curlEsclBatch } from './curl-escl.js';
import { adfSettingsXml } from './escl-pull.js';
import { median, peakRssMiB, report, resetPeakRss, rssMiB, spawnUntil, startBenchGateway, stopChild } from './lib.js';
import { AIRSANE_CHUNK_BYTES, DEFAULT_CHUNK_BYTES, WireEsclSource, type Chunking } from './wire-escl-source.js';
import { loadWirePages, type WirePage, type WirePageKind } from './wire-pages.js';

const REPO = resolve(import.meta.dirname, '..');
const ADF_PAGES = Number(process.env.BENCH_ADF_PAGES ?? 10);
const BIG_BATCH_PAGES = Number(process.env.BENCH_BIG_BATCH_PAGES ?? 100);
const LATENCY_RUNS = Number(process.env.BENCH_LATENCY_RUNS ?? 9);
/** Measured runs per side of each gateway / undici / curl comparison, after one warm-up run each. */
const COMPARE_RUNS = Number(process.env.BENCH_COMPARE_RUNS ?? 3);
const JOB_WAIT_MS = 600_000;
/** A4 in 1/300 inch, the unit of eSCL ScanRegions. */
const A4_300THS = { width: 2480, height: 3508 };

/** One side-by-side comparison: the same pages through the gateway, undici and curl. */
interface Comparison {
  label: string;
  page: WirePage;
  chunking: Chunking;
}

/** Runs the eSCL benchmarks and prints their rows. */
export async function benchEscl(): Promise<void> {
  const pages = await loadWirePages();
  const broker = await startMosquitto();
  const source = new WireEsclSource();
  await source.start();
  const data = await mkdtemp(join(tmpdir(), 'bench-escl-'));
  const gateway = await startBenchGateway({ brokerUrl: broker.url, dataFolder: data, devices: [{ name: 'Bench', protocol: 'escl', url: source.baseUrl, friendly_name: 'bench' }] });
  const probe = await connectProbe(broker.url);
  const pid = gateway.child.pid;
  try {
    await probe.waitFor('scan2mqtt/bench/availability', (m) => m.text() === 'online', 30_000);
    const scan = (command: object) => gatewayScan(probe, command);
    // Warm-up: the first job pays for lazy module loading in the gateway.
    source.pages = { 'image/jpeg': pages.jpeg300 };
    await scan({ source: 'platen', resolution: 300, format: 'jpeg' });
    const jpegMiB = (pages.jpeg600.bytes.length / 2 ** 20).toFixed(1);
    console.log(`wire-speed source: pre-made pages (600 dpi A4 colour JPEG ${jpegMiB} MiB), ${ADF_PAGES}-page ADF jobs; gateway = MQTT command to stored fsync'd files`);
    const comparisons: Comparison[] = [
      { label: `${DEFAULT_CHUNK_BYTES / 1024} KiB chunks`, page: pages.jpeg600, chunking: DEFAULT_CHUNK_BYTES },
      { label: `${AIRSANE_CHUNK_BYTES} B chunks (AirSane)`, page: pages.jpeg600, chunking: AIRSANE_CHUNK_BYTES },
      { label: 'one write', page: pages.jpeg600, chunking: 'whole' },
    ];
    for (const c of comparisons) await compare(c, source, scan, pid);

    source.pages = { 'image/jpeg': pages.jpeg300 };
    source.chunking = DEFAULT_CHUNK_BYTES;
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) {
      const posts = source.requests.get('POST /eSCL/ScanJobs') ?? 0;
      const job = await scan({ source: 'platen', resolution: 300, format: 'jpeg' });
      if ((source.requests.get('POST /eSCL/ScanJobs') ?? 0) > posts) latencies.push(job.seconds * 1000);
    }
    report(`eSCL 300 dpi platen page, MQTT command to done (median of ${latencies.length})`, median(latencies), 'ms');
    console.log(`requests the device saw: ${[...source.requests].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  } finally {
    await probe.close();
    await stopChild(gateway.child);
    await rm(data, { recursive: true, force: true });
  }
  try {
    await memoryRows(broker.url, source, pages);
  } finally {
    await source.stop();
    await broker.stop();
  }
}

/** Memory per job, each on a fresh gateway (after one 300 dpi warm-up page), so earlier jobs' heap does not hide or inflate it. */
async function memoryRows(brokerUrl: string, source: WireEsclSource, pages: Record<WirePageKind, WirePage>): Promise<void> {
  console.log('memory growth of a fresh gateway per job (peak RSS during the job - RSS before it):');
  const rows: { label: string; pages: Partial<Record<string, WirePage>>; chunking: Chunking; perJob: number; command: object }[] = [
    ...(['jpeg', 'png', 'pdf'] as const).map((format) => {
      const page = format === 'jpeg' ? pages.jpeg600 : format === 'png' ? pages.png600 : pages.pdf600;
      const chunking = format === 'pdf' ? AIRSANE_CHUNK_BYTES : DEFAULT_CHUNK_BYTES;
      const label = `  eSCL 600 dpi A4 colour ${format.toUpperCase()} page (${(page.bytes.length / 2 ** 20).toFixed(1)} MiB${format === 'pdf' ? ', 7.6 KB chunks' : ''})`;
      return { label, pages: { [page.mime]: page }, chunking, perJob: 1, command: { source: 'platen', resolution: 600, color_mode: 'color', format } };
    }),
    { label: `eSCL ADF ${BIG_BATCH_PAGES} p, 300 dpi A4 colour JPEG pages into one PDF`, pages: { 'image/jpeg': pages.jpeg300, 'application/pdf': pages.pdf300 }, chunking: DEFAULT_CHUNK_BYTES, perJob: BIG_BATCH_PAGES, command: { source: 'adf', resolution: 300, color_mode: 'color', format: 'pdf' } },
  ];
  for (const row of rows) {
    const data = await mkdtemp(join(tmpdir(), 'bench-escl-mem-'));
    const gateway = await startBenchGateway({ brokerUrl, dataFolder: data, devices: [{ name: 'Bench', protocol: 'escl', url: source.baseUrl, friendly_name: 'bench' }] });
    const probe = await connectProbe(brokerUrl);
    const pid = gateway.child.pid;
    try {
      await probe.waitFor('scan2mqtt/bench/availability', (m) => m.text() === 'online', 30_000);
      source.pages = { 'image/jpeg': pages.jpeg300 };
      source.chunking = DEFAULT_CHUNK_BYTES;
      await gatewayScan(probe, { source: 'platen', resolution: 300, format: 'jpeg' });
      source.pages = row.pages;
      source.chunking = row.chunking;
      source.pagesPerJob = row.perJob;
      const before = rssMiB(pid);
      resetPeakRss(pid);
      const job = await gatewayScan(probe, row.command);
      const peak = peakRssMiB(pid);
      report(`${row.label}: RSS growth`, peak - before, 'MiB', `peak ${peak.toFixed(0)} MiB, before ${before.toFixed(0)} MiB; ${job.seconds.toFixed(2)} s, ${job.event.pages} p`);
    } finally {
      await probe.close();
      await stopChild(gateway.child);
      await rm(data, { recursive: true, force: true });
    }
  }
}

type Scan = (command: object) => Promise<{ seconds: number; event: { pages: number } }>;

/**
 * The same ADF batch through the gateway, a plain undici loop (with and without fsync) and curl;
 * ratios of median times. Each side first runs the batch once unmeasured (the gateway's first big
 * batch pays for growing its heap and buffers, the loop's for its module loading and page cache),
 * then the sides take turns, so each sees the same background load on a shared machine.
 */
async function compare(c: Comparison, source: WireEsclSource, scan: Scan, pid: number | undefined): Promise<void> {
  source.pages = { [c.page.mime]: c.page };
  source.chunking = c.chunking;
  source.pagesPerJob = ADF_PAGES;
  const settings = adfSettingsXml({ ...A4_300THS, dpi: 600, mime: c.page.mime });
  const command = { source: 'adf', resolution: 600, color_mode: 'color', format: 'jpeg' };
  const curlOnce = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-curl-'));
    return curlEsclBatch(source.baseUrl, settings, ADF_PAGES, dir).finally(() => rm(dir, { recursive: true, force: true }));
  };
  await scan(command);
  await plainUndici(source.baseUrl, settings, false);
  await plainUndici(source.baseUrl, settings, true);
  await curlOnce();
  const mine: number[] = [];
  const plain: number[] = [];
  const durable: number[] = [];
  const curl: number[] = [];
  let pages = 0;
  let plainRss = 0;
  const before = rssMiB(pid);
  resetPeakRss(pid);
  for (let i = 0; i < COMPARE_RUNS; i++) {
    const job = await scan(command);
    mine.push(job.seconds);
    pages = job.event.pages;
    const loop = await plainUndici(source.baseUrl, settings, false);
    plain.push(loop.seconds);
    plainRss = loop.rss;
    durable.push((await plainUndici(source.baseUrl, settings, true)).seconds);
    curl.push(await curlOnce());
  }
  const growth = peakRssMiB(pid) - before;
  const [m, p, d, k] = [mine, plain, durable, curl].map(median) as [number, number, number, number];
  const name = `eSCL ${ADF_PAGES} p 600 dpi JPEG, ${c.label}`;
  report(`${name}: gateway (median of ${COMPARE_RUNS})`, m, 's', `${(pages / m).toFixed(1)} pages/s, RSS growth ${growth.toFixed(0)} MiB`);
  report(`${name}: undici loop`, p, 's', `peak RSS ${plainRss.toFixed(0)} MiB`);
  report(`${name}: undici loop + fsync`, d, 's');
  report(`${name}: curl`, k, 's');
  report('  gateway / undici loop', m / p, 'ratio');
  report('  gateway / undici loop + fsync', m / d, 'ratio');
  report('  gateway / curl', m / k, 'ratio');
}

async function plainUndici(baseUrl: string, settings: string, fsync: boolean): Promise<{ seconds: number; rss: number }> {
  const args = ['--import', 'tsx', join(REPO, 'bench/plain-undici-escl.ts'), baseUrl, settings, fsync ? 'fsync' : 'nosync'];
  const child = await spawnUntil('node', args, { ready: /^\d+ /, timeoutMs: JOB_WAIT_MS });
  const [, seconds, rss] = child.line.trim().split(' ').map(Number) as [number, number, number];
  return { seconds, rss };
}

/** Sends a scan command and waits for the job's end; seconds from command to `done`. */
async function gatewayScan(probe: MqttProbe, command: object): Promise<{ seconds: number; event: { pages: number } }> {
  const jobs = await probe.collect('scan2mqtt/bench/job');
  const t0 = performance.now();
  await probe.publish('scan2mqtt/bench/scan', JSON.stringify(command));
  const done = await jobs.next((m) => ['done', 'failed'].includes(JSON.parse(m.text()).state), JOB_WAIT_MS);
  const seconds = (performance.now() - t0) / 1000;
  await jobs.stop();
  const event = JSON.parse(done.text());
  if (event.state !== 'done') throw new Error(`bench scan failed: ${JSON.stringify(event.error)}`);
  await Promise.all((event.files as string[]).map((f) => rm(f, { force: true })));
  return { seconds, event };
}
