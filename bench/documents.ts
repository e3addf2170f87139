/**
 * Document assembly figures (issue #5): a 100-page 300 dpi A4 colour ADF batch pulled from the
 * eSCL simulator over HTTP into the real storage API (spool page by page, then one PDF), in a
 * child process so its peak RSS is its own. Two variants: JPEG pages assembled by the streaming
 * PDF writer, and PDF pages from the device merged (qpdf when installed, else pdf-lib; what
 * format=pdf gives when the device offers PDF). Prints batch seconds, assembly seconds, their ratio and peak RSS.
 */
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { EsclSimulator } from '../test/sim/escl/index.js';
import { createJobStorage } from '../src/storage/job-storage.js';
import { createFolderTarget } from '../src/storage/folder/folder-target.js';
import { adfSettingsXml, pullEsclBatch } from './escl-pull.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { connectProbe } from '../test/helpers/mqtt-probe.js';
import { peakRssMiB, report, spawnUntil, startBenchGateway, stopChild } from './lib.js';

const REPO = resolve(import.meta.dirname, '..');
/**
 * Pages per batch here, where the simulator renders every page (about 0.5 s each); the 100-page
 * batch into one PDF is measured at wire speed in escl.ts. BENCH_DOCUMENT_PAGES=100 for the long run.
 */
const ADF_PAGES = Number(process.env.BENCH_DOCUMENT_PAGES ?? 20);
/** argv[2] that makes this file run one measurement as a child process. */
const CHILD_FLAG = '--documents-child';

/** ScanSettings XML for an A4 300 dpi colour ADF batch in `mime`. */
const a4Settings = (mime: string) => adfSettingsXml({ width: 2480, height: 3508, dpi: 300, mime });

/** Child: scan from `baseUrl` into a storage session, build one PDF; prints JSON figures. */
async function child(baseUrl: string, mime: string): Promise<void> {
  const data = await mkdtemp(join(tmpdir(), 'bench-documents-'));
  try {
    const storage = createJobStorage({ spoolFolder: join(data, 'spool'), logger: pino({ level: 'silent' }) });
    const session = storage.begin({ jobId: 'bench', scannerId: 'bench', scannerName: 'Bench', settings: { source: 'adf', resolution: 300, color_mode: 'color', format: 'pdf', region: { x: 0, y: 0, width: 210, height: 297 } }, createdAt: new Date() });
    const startRssMiB = process.memoryUsage().rss / 1024 ** 2;
    const t0 = performance.now();
    const pages = await pullEsclBatch(baseUrl, a4Settings(mime), async (body, index) => {
      await session.addPage({ index, data: body, resolution: 300 });
    });
    const t1 = performance.now();
    const batchRssMiB = process.resourceUsage().maxRSS / 1024;
    const result = await session.finishJob([createFolderTarget({ folder: join(data, 'out'), logger: pino({ level: 'silent' }) })]);
    const t2 = performance.now();
    console.log(JSON.stringify({ pages, documentPages: result.pages, bytes: result.stored[0]?.bytes, batchS: (t1 - t0) / 1000, assemblyS: (t2 - t1) / 1000, batchRssMiB, startRssMiB, rssMiB: process.resourceUsage().maxRSS / 1024 }));
  } finally {
    await rm(data, { recursive: true, force: true });
  }
}

/** Runs the document benchmarks and prints their rows. */
export async function benchDocuments(): Promise<void> {
  for (const [label, mime] of [
    ['JPEG pages -> streamed PDF', 'image/jpeg'],
    ['device PDF pages -> merged (qpdf)', 'application/pdf'],
  ] as const) {
    const sim = new EsclSimulator({ adfPages: ADF_PAGES });
    await sim.start();
    try {
      sim.loadAdf(ADF_PAGES);
      const run = await spawnUntil('node', ['--import', 'tsx', fileURLToPath(import.meta.url), CHILD_FLAG, sim.baseUrl, mime], { ready: /^\{/, timeoutMs: 1_800_000 });
      const figures = JSON.parse(run.line) as { pages: number; documentPages: number; bytes: number; batchS: number; assemblyS: number; batchRssMiB: number; startRssMiB: number; rssMiB: number };
      await stopChild(run.child);
      const name = `${ADF_PAGES} p 300 dpi A4 colour, ${label}`;
      report(`${name}: batch`, figures.batchS, 's', `${figures.pages} pages received and spooled`);
      report(`  assembly into one PDF`, figures.assemblyS, 's', `${figures.documentPages} pages, ${(figures.bytes / 1024 ** 2).toFixed(1)} MiB`);
      report(`  assembly / batch time`, (100 * figures.assemblyS) / figures.batchS, '%');
      report(`  peak RSS (storage process)`, figures.rssMiB, 'MiB', `${figures.batchRssMiB.toFixed(0)} MiB before assembly; ${figures.startRssMiB.toFixed(0)} MiB at start (tsx loader)`);
    } finally {
      await sim.stop();
    }
  }
  void REPO;
  await benchGatewayPdf();
}

/**
 * The same batch as a user runs it: MQTT command to one stored PDF through the built gateway
 * process, whose peak RSS (VmHWM) is what a user's container sees.
 */
async function benchGatewayPdf(): Promise<void> {
  const broker = await startMosquitto();
  const sim = new EsclSimulator({ adfPages: ADF_PAGES });
  await sim.start();
  const data = await mkdtemp(join(tmpdir(), 'bench-documents-gw-'));
  const gateway = await startBenchGateway({ brokerUrl: broker.url, dataFolder: data, devices: [{ name: 'Bench', protocol: 'escl', url: sim.baseUrl, friendly_name: 'bench' }] });
  const probe = await connectProbe(broker.url);
  try {
    await probe.waitFor('scan2mqtt/bench/availability', (m) => m.text() === 'online', 30_000);
    const startRss = peakRssMiB(gateway.child.pid);
    sim.loadAdf(ADF_PAGES);
    const jobs = await probe.collect('scan2mqtt/bench/job');
    const t0 = performance.now();
    await probe.publish('scan2mqtt/bench/scan', JSON.stringify({ source: 'adf', resolution: 300, color_mode: 'color', format: 'pdf' }));
    let storingAt = 0;
    const done = await jobs.next((m) => {
      const state = m.json<{ state: string }>().state;
      if (state === 'storing' && storingAt === 0) storingAt = performance.now();
      return state === 'done' || state === 'failed';
    }, 1_800_000);
    const t1 = performance.now();
    await jobs.stop();
    const event = done.json<{ state: string; pages: number; error?: unknown }>();
    if (event.state !== 'done') throw new Error(`bench batch failed: ${JSON.stringify(event.error)}`);
    const name = `${ADF_PAGES} p 300 dpi A4 colour -> one PDF, through the gateway`;
    report(`${name}: command to done`, (t1 - t0) / 1000, 's', `${event.pages} pages`);
    report('  storing (assembly and delivery) / whole job', (100 * (t1 - storingAt)) / (t1 - t0), '%');
    report('  gateway peak RSS (whole daemon)', peakRssMiB(gateway.child.pid), 'MiB', `${startRss.toFixed(0)} MiB after start`);
  } finally {
    await probe.close();
    await stopChild(gateway.child);
    await sim.stop();
    await broker.stop();
    await rm(data, { recursive: true, force: true });
  }
}

if (process.argv[2] === CHILD_FLAG && process.argv[1] === fileURLToPath(import.meta.url)) {
  await child(process.argv[3] ?? '', process.argv[4] ?? 'image/jpeg');
}
