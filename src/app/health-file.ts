/**
 * A heartbeat file in the data folder, so a container healthcheck can tell a live
 * gateway from a hung one without opening any port.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { writeFileAtomic } from '../persistence/json-file.js';

/** File name inside the data folder. */
export const HEALTH_FILE = 'health.json';
/** How often the heartbeat is written. */
export const HEALTH_INTERVAL_MS = 30_000;
/** A heartbeat older than this means the gateway is not healthy. */
export const HEALTH_MAX_AGE_MS = 120_000;

/** What the heartbeat records. */
export interface HealthBeat {
  at: string;
  pid: number;
  mqtt_connected: boolean;
  scanners: number;
}

/** Writes the heartbeat on an interval until stopped. */
export class HealthFile {
  private timer: NodeJS.Timeout | undefined;
  /** Beats are written one after another: two atomic writes in flight may land out of order (a stale "not connected" last). */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { dataFolder: string; logger: Logger; read: () => Omit<HealthBeat, 'at' | 'pid'> }) {}

  /** Writes now and then every HEALTH_INTERVAL_MS. */
  start(): void {
    void this.beat();
    this.timer = setInterval(() => void this.beat(), HEALTH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops writing. */
  stop(): void {
    clearInterval(this.timer);
  }

  /** Writes the heartbeat now (e.g. when the broker connection comes up), after any write still in flight. */
  beat(): Promise<void> {
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  private async write(): Promise<void> {
    // Read when written, not when asked: the last write always carries the latest state.
    const beat: HealthBeat = { at: new Date().toISOString(), pid: process.pid, ...this.deps.read() };
    await writeFileAtomic(join(this.deps.dataFolder, HEALTH_FILE), JSON.stringify(beat)).catch((error: unknown) =>
      this.deps.logger.warn({ err: error }, 'could not write the health file'),
    );
  }
}

/** The healthcheck verdict: a fresh heartbeat with MQTT connected. Returns a reason when unhealthy. */
export async function checkHealth(dataFolder: string, now = Date.now()): Promise<string | undefined> {
  let beat: HealthBeat;
  try {
    beat = JSON.parse(await readFile(join(dataFolder, HEALTH_FILE), 'utf8')) as HealthBeat;
  } catch {
    return 'no health file yet';
  }
  const age = now - Date.parse(beat.at);
  if (!(age < HEALTH_MAX_AGE_MS)) return `heartbeat is ${Math.round(age / 1000)} s old`;
  if (!beat.mqtt_connected) return 'not connected to the MQTT broker';
  return undefined;
}
