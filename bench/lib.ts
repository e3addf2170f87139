/** Shared benchmark plumbing: child processes, peak RSS, medians, printing. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/** Peak resident set size of a live process in MiB (Linux VmHWM), or NaN when unreadable. */
export function peakRssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Prints one result row. */
export function report(name: string, value: number, unit: string, note = ''): void {
  const shown = Number.isFinite(value) ? (Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(2)) : 'n/a';
  console.log(`${name.padEnd(58)} ${shown.padStart(10)} ${unit.padEnd(8)} ${note}`);
}

/** Starts a child process and waits for a line of its output matching `ready`. */
export function spawnUntil(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number }): Promise<{ child: ChildProcess; line: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} not ready: ${out.slice(-2000)}`)), options.timeoutMs ?? 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const match = out.split('\n').find((l) => options.ready.test(l));
      if (match) {
        clearTimeout(timer);
        resolve({ child, line: match, output: () => out });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${out.slice(-2000)}`)));
  });
}

/** Sends SIGTERM and waits for the exit. */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Starts the built gateway (`node dist/main.js`) against `brokerUrl` with hand-listed devices; resolves once it has started. */
export function startBenchGateway(options: { brokerUrl: string; dataFolder: string; devices: object[]; env?: Record<string, string>; timeoutMs?: number; nodeArgs?: string[] }) {
  const repo = new URL('..', import.meta.url).pathname;
  return spawnUntil('node', [...(options.nodeArgs ?? []), `${repo}dist/main.js`], {
    env: {
      ...process.env,
      SCAN2MQTT_MQTT_URL: options.brokerUrl,
      SCAN2MQTT_MQTT_EMBEDDED_BROKER: 'never',
      SCAN2MQTT_DISCOVERY_MDNS: 'false',
      SCAN2MQTT_HOMEASSISTANT_ENABLED: 'false',
      SCAN2MQTT_DATA_FOLDER: options.dataFolder,
      SCAN2MQTT_STORAGE_FOLDER: `${options.dataFolder}/scans`,
      SCAN2MQTT_LOG_LEVEL: 'info',
      SCAN2MQTT_LOG_PRETTY: 'false',
      SCAN2MQTT_DEVICES: JSON.stringify(options.devices),
      // As `npm start` sets it: two malloc arenas instead of one per sharp thread keep freed pixel memory reusable.
      ...(process.env.BENCH_GATEWAY_ARENAS === 'default' ? {} : { MALLOC_ARENA_MAX: '2' }),
      ...options.env,
    },
    ready: /scan2mqtt started/,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
}

/** Current resident set size of a live process in MiB (Linux VmRSS), or NaN when unreadable. */
export function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

/** Resets a process's peak RSS to its current RSS (writing 5 to clear_refs, Linux 4.0+), so a later peakRssMiB covers one job only. */
export function resetPeakRss(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not allowed here: the peak then covers the process's whole life, which the row notes say.
  }
}

/** Runs a program to its end; rejects on a non-zero exit. */
export function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    // 'close', not 'exit': the process may have exited before its output was read to the end.
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${out.slice(-2000)}`))));
  });
}
