/**
 * SANE figures (issues #3, #13): an A4 colour scan at 300 and 600 dpi to PNG, JPEG and PDF through
 * a real saned (test backend), by the gateway (MQTT command to stored file) and by
 * Debian `scanimage --format=png|jpeg|pdf -o FILE` over SANE's net backend on the same saned
 * in the same run. Medians of several runs each, with peak RSS, and the ratio
 * gateway time / scanimage time (below 1 = the gateway is faster), and the gateway's memory
 * growth (peak RSS during the case's runs - RSS before them), and the median file sizes. The gateway encodes
 * JPEG at scanimage's quality (75) so both sides do the same work.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../test/helpers/mqtt-probe.js';
import { scanimageNet, startSaned, type SanedHarness } from '../test/sim/saned/saned.js';
import { median, peakRssMiB, report, resetPeakRss, rssMiB, startBenchGateway, stopChild } from './lib.js';

/** Runs per figure (each side), after one warm-up run. */
const RUNS = Number(process.env.BENCH_SANE_RUNS ?? 5);
/** Test backend picture; "Color pattern" gives the encoders real work (stripes, not one flat colour). */
const PICTURE = process.env.BENCH_SANE_PICTURE ?? 'Color pattern';
const A4_MM = { width: 210, height: 297 };
const SCANNER = 'bench';
const JOB_WAIT_MS = 600_000;
/** The gateway counts as quiet when it used at most this many CPU ticks in QUIET_WINDOW_MS. */
const QUIET_TICKS = 1;
const QUIET_WINDOW_MS = 100;
const QUIET_WAIT_MAX_MS = 10_000;
/** Debian scanimage's JPEG quality (libjpeg's 75, for JPEG and the JPEG pages of its PDFs): the gateway encodes at the same, so both sides do the same work (BENCH_SANE_JPEG_QUALITY overrides; the gateway's own default is 90). */
const JPEG_QUALITY = process.env.BENCH_SANE_JPEG_QUALITY ?? '75';
/** BENCH_SANE_PROFILE=DIR: the gateway writes a V8 CPU profile there when it stops. */
const PROFILE_DIR = process.env.BENCH_SANE_PROFILE;
/** Cases measured (BENCH_SANE_CASES=300-jpeg,600-png picks some). */
const ONLY = process.env.BENCH_SANE_CASES?.split(',');
/** `/usr/bin/time -f %M` prints scanimage's peak RSS (KiB) as the last stderr line. */
const TIME = ['/usr/bin/time', '-f', '%M'];

interface Case {
  resolution: 300 | 600;
  format: 'png' | 'jpeg' | 'pdf';
}
const CASES: Case[] = ([300, 600] as const).flatMap((resolution) => (['png', 'jpeg', 'pdf'] as const).map((format) => ({ resolution, format })));

/** Runs the SANE benchmarks and prints their rows. */
export async function benchSane(): Promise<void> {
  const saned = await startSaned({ testConf: `test-picture "${PICTURE}"` });
  const broker = await startMosquitto();
  const data = await mkdtemp(join(tmpdir(), 'bench-sane-'));
  const gateway = await startBenchGateway({ brokerUrl: broker.url, dataFolder: data, devices: [{ name: 'Bench', protocol: 'sane', url: `sane://${saned.host}:${saned.port}/test:0`, friendly_name: SCANNER }], env: { SCAN2MQTT_SCAN_JPEG_QUALITY: JPEG_QUALITY }, nodeArgs: PROFILE_DIR ? [`--cpu-prof`, `--cpu-prof-dir=${PROFILE_DIR}`] : [] });
  const probe = await connectProbe(broker.url);
  try {
    await probe.waitFor(`scan2mqtt/${SCANNER}/availability`, (m) => m.text() === 'online', 30_000);
    console.log(`test backend picture "${PICTURE}", ${RUNS} runs per row (medians), A4 = ${A4_MM.width} x ${A4_MM.height} mm, colour 8-bit, gateway JPEG quality ${JPEG_QUALITY} (scanimage: 75)`);
    const overheadMs = median(await repeat(RUNS, () => wrapperOverhead(saned)));
    for (const c of CASES.filter((k) => !ONLY || ONLY.includes(`${k.resolution}-${k.format}`))) {
      const pid = gateway.child.pid ?? 0;
      // The gateway makes a preview after each job; let it finish so scans are timed alone.
      const scanQuietly = () => gatewayScan(probe, c).finally(() => quiet(pid));
      await scanQuietly(); // warm-up: lazy loading, descriptor cache, page cache
      await scanimageScan(saned, c, data);
      // Alternating runs, so both sides see the same background load on a shared machine.
      const mine: { ms: number; bytes: number }[] = [];
      const theirs: { ms: number; rssMiB: number; bytes: number }[] = [];
      const rssBefore = rssMiB(pid);
      resetPeakRss(pid);
      for (let i = 0; i < RUNS; i++) {
        mine.push(await scanQuietly());
        theirs.push(await scanimageScan(saned, c, data));
      }
      const gatewayRss = peakRssMiB(gateway.child.pid);
      const mineMs = median(mine.map((m) => m.ms));
      const theirsMs = median(theirs.map((t) => t.ms)) - overheadMs;
      const name = `SANE A4 ${c.resolution} dpi colour ${c.format.toUpperCase()}`;
      report(`${name}: gateway (MQTT command to stored file)`, mineMs, 'ms', `${mib(mine)} file, peak RSS ${gatewayRss.toFixed(0)} MiB, growth ${(gatewayRss - rssBefore).toFixed(0)} MiB over ${rssBefore.toFixed(0)}`);
      report(`${name}: scanimage -o file`, theirsMs, 'ms', `${mib(theirs)} file, peak RSS ${median(theirs.map((t) => t.rssMiB)).toFixed(1)} MiB`);
      report('  gateway / scanimage time', mineMs / theirsMs, 'ratio', mineMs < theirsMs ? `gateway ${((1 - mineMs / theirsMs) * 100).toFixed(0)} % faster` : 'gateway slower');
    }
    console.log(`(scanimage times exclude ${overheadMs.toFixed(1)} ms of its wrapper: unshare + bind mount of a private /etc/services)`);
  } finally {
    await probe.close();
    await stopChild(gateway.child);
    await broker.stop();
    await saned.stop();
    await rm(data, { recursive: true, force: true });
  }
}

/** The median file size of some runs, in MiB. */
function mib(runs: { bytes: number }[]): string {
  return `${(median(runs.map((r) => r.bytes)) / 1024 ** 2).toFixed(2)} MiB`;
}

async function repeat<T>(n: number, run: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
}

async function gatewayScan(probe: MqttProbe, c: Case): Promise<{ ms: number; bytes: number }> {
  const jobs = await probe.collect(`scan2mqtt/${SCANNER}/job`);
  const command = { source: 'platen', resolution: c.resolution, color_mode: 'color', format: c.format, region: { x: 0, y: 0, ...A4_MM } };
  const t0 = performance.now();
  await probe.publish(`scan2mqtt/${SCANNER}/scan`, JSON.stringify(command));
  const done = await jobs.next((m) => ['done', 'failed', 'cancelled'].includes(JSON.parse(m.text()).state), JOB_WAIT_MS);
  const ms = performance.now() - t0;
  await jobs.stop();
  const event = JSON.parse(done.text()) as { state: string; files: string[]; error?: unknown };
  if (event.state !== 'done' || !event.files[0]) throw new Error(`bench scan failed: ${JSON.stringify(event.error)}`);
  const bytes = (await stat(event.files[0])).size;
  await rm(event.files[0]);
  return { ms, bytes };
}

async function scanimageScan(saned: SanedHarness, c: Case, dir: string): Promise<{ ms: number; rssMiB: number; bytes: number }> {
  const file = join(dir, `scanimage.${c.format}`);
  const args = ['-d', `net:${saned.host}:test:0`, '--mode', 'Color', '--depth', '8', '--resolution', String(c.resolution),
    '-l', '0', '-t', '0', '-x', String(A4_MM.width), '-y', String(A4_MM.height), `--format=${c.format}`, '-o', file];
  const t0 = performance.now();
  const result = await scanimageNet(saned, args, { wrapper: TIME });
  const ms = performance.now() - t0;
  if (result.code !== 0) throw new Error(`scanimage failed: ${result.stderr}`);
  const kib = Number(result.stderr.trim().split('\n').at(-1));
  const bytes = (await stat(file)).size;
  await rm(file);
  return { ms, rssMiB: kib / 1024, bytes };
}

/** /proc/PID/stat fields after the command name (field 3 onwards), or undefined for a process gone. */
function statFields(pid: string | number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
  } catch {
    return undefined;
  }
}

/**
 * CPU ticks (user + system) a process and its children have used: its own, its reaped children's,
 * and those of live descendants (the preview of a PDF is rendered by a pdftoppm child for about a
 * second of CPU at 600 dpi; counting the gateway alone let the next run start beside it).
 */
function cpuTicks(pid: number): number {
  const own = statFields(pid) ?? [];
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  const parents = new Map<string, string>();
  const times = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (!fields) continue;
    parents.set(entry, fields[1] ?? '');
    times.set(entry, Number(fields[11]) + Number(fields[12]));
  }
  for (const [child, time] of times) {
    for (let up = parents.get(child); up !== undefined && up !== '0'; up = parents.get(up)) {
      if (up === String(pid)) {
        ticks += time;
        break;
      }
    }
  }
  return ticks;
}

/** Waits until the process and its children stop using CPU (its preview, GC), up to a limit. */
async function quiet(pid: number): Promise<void> {
  const deadline = Date.now() + QUIET_WAIT_MAX_MS;
  let before = cpuTicks(pid);
  while (Date.now() < deadline) {
    await sleep(QUIET_WINDOW_MS);
    const now = cpuTicks(pid);
    if (now - before <= QUIET_TICKS) return;
    before = now;
  }
}

/** The cost of the scanimage wrapper alone (namespace, mount, time), to subtract. */
async function wrapperOverhead(saned: SanedHarness): Promise<number> {
  const t0 = performance.now();
  await scanimageNet(saned, [], { wrapper: [...TIME, 'sh', '-c', 'exit 0'] });
  return performance.now() - t0;
}
