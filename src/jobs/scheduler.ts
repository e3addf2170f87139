/**
 * Runs scheduled scans. node-cron parses the expressions and decides whether a minute
 * matches (time zones included); the ticking is our own minute timer on an injectable
 * clock, because node-cron 4 reads the system clock itself and a test must not wait for
 * real minutes. A run is skipped, with the reason logged, when the scanner is offline,
 * the feeder is empty (only_if_adf_loaded) or the previous run of the schedule is still going.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { ScannerStatePayload } from '../core/gateway-api.js';
import type { Logger } from '../core/logger.js';
import type { ScheduleConfig } from './schedule-config.js';

/** Time and timers, replaceable in tests. */
export interface SchedulerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const SYSTEM_CLOCK: SchedulerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Why a run did not start. */
export type SkipReason = 'scanner_offline' | 'adf_not_loaded' | 'previous_run_active';

/** Fired or skipped, for logs and tests. */
export interface ScheduleOutcome {
  schedule: string;
  /** The matching minute (ISO). */
  at: string;
  fired: boolean;
  skipped?: SkipReason;
  detail?: string;
}

/** What the scheduler needs from the gateway. */
export interface SchedulerDeps {
  schedules: readonly ScheduleConfig[];
  logger: Logger;
  /** The scanner's published state; undefined when the scanner is unknown. */
  scannerState: (scannerId: string) => ScannerStatePayload | undefined;
  /** Starts the scan; resolves when the job has finished (so overlapping runs can be refused). Rejects when refused. */
  runScan: (schedule: ScheduleConfig) => Promise<void>;
  clock?: SchedulerClock;
  /** Called for every matching minute. */
  onOutcome?: (outcome: ScheduleOutcome) => void;
}

const MINUTE_MS = 60_000;
/** After the timer fires this late (suspend, stall), older minutes are logged as missed rather than run in a burst. */
export const MAX_CATCH_UP_MINUTES = 2;
/** Fire a little after the minute starts so a clock a few ms behind still lands in the right minute. */
const TICK_SLACK_MS = 50;

interface ActiveSchedule {
  config: ScheduleConfig;
  task: ScheduledTask;
  running: boolean;
}

/** Fires schedules at their minutes; start()/stop(). */
export class Scheduler {
  private readonly clock: SchedulerClock;
  private readonly active: ActiveSchedule[] = [];
  private timer: unknown;
  private lastMinute = 0;
  private started = false;

  constructor(private readonly deps: SchedulerDeps) {
    this.clock = deps.clock ?? SYSTEM_CLOCK;
  }

  /** Arms the minute timer. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const config of this.deps.schedules) {
      // createTask only parses: it never starts node-cron's own timer (we never call task.start()).
      const task = cron.createTask(config.cron, () => undefined, { name: `scan2mqtt:${config.name}`, ...(config.timezone ? { timezone: config.timezone } : {}) });
      this.active.push({ config, task, running: false });
    }
    this.lastMinute = Math.floor(this.clock.now() / MINUTE_MS);
    this.arm();
    if (this.active.length > 0) this.deps.logger.info({ schedules: this.active.map((s) => `${s.config.name} (${s.config.cron})`) }, 'schedules armed');
  }

  /** Stops the timer; runs in progress finish as jobs of their own. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all(this.active.map((s) => s.task.destroy()));
    this.active.length = 0;
  }

  /** Checks every minute since the last tick; public so a test can drive it directly. */
  tick(): void {
    const current = Math.floor(this.clock.now() / MINUTE_MS);
    const first = Math.max(this.lastMinute + 1, current - MAX_CATCH_UP_MINUTES + 1);
    if (first > this.lastMinute + 1) this.deps.logger.warn({ minutes: first - this.lastMinute - 1 }, 'schedule clock jumped; missed minutes are not run');
    for (let minute = first; minute <= current; minute++) this.checkMinute(new Date(minute * MINUTE_MS));
    this.lastMinute = Math.max(this.lastMinute, current);
  }

  private arm(): void {
    if (!this.started) return;
    const now = this.clock.now();
    const next = (Math.floor(now / MINUTE_MS) + 1) * MINUTE_MS;
    this.timer = this.clock.setTimeout(() => {
      this.tick();
      this.arm();
    }, next - now + TICK_SLACK_MS);
  }

  private checkMinute(minute: Date): void {
    for (const schedule of this.active) {
      if (schedule.task.match(minute)) this.fire(schedule, minute);
    }
  }

  private fire(schedule: ActiveSchedule, minute: Date): void {
    const { config } = schedule;
    const at = minute.toISOString();
    const skip = this.skipReason(schedule);
    if (skip) {
      this.report({ schedule: config.name, at, fired: false, skipped: skip.reason, detail: skip.detail });
      return;
    }
    schedule.running = true;
    this.report({ schedule: config.name, at, fired: true });
    let run: Promise<void>;
    try {
      run = this.deps.runScan(config);
    } catch (error) {
      run = Promise.reject(error);
    }
    run
      .catch((error: unknown) => this.deps.logger.warn({ schedule: config.name, scanner: config.scanner, err: error }, 'scheduled scan was refused or failed'))
      .finally(() => {
        schedule.running = false;
      });
  }

  private skipReason(schedule: ActiveSchedule): { reason: SkipReason; detail: string } | undefined {
    const { config } = schedule;
    if (schedule.running) return { reason: 'previous_run_active', detail: 'the previous run of this schedule is still going' };
    const state = this.deps.scannerState(config.scanner);
    if (!state || state.status === 'offline') return { reason: 'scanner_offline', detail: state ? `scanner ${config.scanner} is offline` : `no scanner with id ${config.scanner}` };
    if (config.only_if_adf_loaded && state.adf !== 'loaded') return { reason: 'adf_not_loaded', detail: `feeder is ${state.adf ?? 'not reported'}` };
    return undefined;
  }

  private report(outcome: ScheduleOutcome): void {
    const log = { schedule: outcome.schedule, at: outcome.at, ...(outcome.skipped ? { reason: outcome.skipped, detail: outcome.detail } : {}) };
    if (outcome.fired) this.deps.logger.info(log, 'scheduled scan starts');
    else this.deps.logger.info(log, 'scheduled scan skipped');
    this.deps.onOutcome?.(outcome);
  }
}
