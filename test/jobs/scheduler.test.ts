import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScannerStatePayload } from '../../src/core/gateway-api.js';
import { parseSchedulesConfig, type ScheduleConfig } from '../../src/jobs/schedule-config.js';
import { Scheduler, type ScheduleOutcome, type SchedulerClock } from '../../src/jobs/scheduler.js';

/** A clock the test moves by hand; timers fire in time order as it advances. */
class ManualClock implements SchedulerClock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  constructor(public time: number) {}
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };
  get pending(): number {
    return this.timers.length;
  }
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.time = Math.max(this.time, next.at);
      next.fn();
    }
    this.time = end;
  }
}

const MINUTE = 60_000;
const logger = pino({ level: 'silent' });
const MONDAY_0755_UTC = Date.UTC(2026, 10, 23, 7, 55, 0);

let scheduler: Scheduler | undefined;
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
});

function setup(schedules: ScheduleConfig[], state: () => ScannerStatePayload | undefined, start = MONDAY_0755_UTC) {
  const clock = new ManualClock(start);
  const outcomes: ScheduleOutcome[] = [];
  const runs: { schedule: string; finish: () => void }[] = [];
  scheduler = new Scheduler({
    schedules,
    logger,
    clock,
    scannerState: () => state(),
    runScan: (s) => new Promise<void>((finish) => runs.push({ schedule: s.name, finish })),
    onOutcome: (o) => outcomes.push(o),
  });
  scheduler.start();
  return { clock, outcomes, runs };
}

const idle: ScannerStatePayload = { status: 'idle', adf: 'loaded', job: null };
const [weekdays8, everyFive, berlin] = parseSchedulesConfig([
  { name: 'weekdays8', cron: '0 8 * * 1-5', scanner: 'office', only_if_adf_loaded: true, timezone: 'UTC' },
  { name: 'every5', cron: '*/5 * * * *', scanner: 'office' },
  { name: 'berlin', cron: '0 9 * * *', scanner: 'office', timezone: 'Europe/Berlin' },
]) as [ScheduleConfig, ScheduleConfig, ScheduleConfig];

describe('Scheduler', () => {
  it('fires at the matching minutes only, on its own timer', async () => {
    const { clock, outcomes } = setup([weekdays8, everyFive], () => idle);
    clock.advance(10 * MINUTE + 1000); // 07:55 -> 08:05
    expect(outcomes.filter((o) => o.fired).map((o) => `${o.schedule}@${o.at.slice(11, 16)}`)).toEqual(['weekdays8@08:00', 'every5@08:00']);
    // every5 at 08:05 is skipped: its 08:00 run never finished.
    expect(outcomes.at(-1)).toMatchObject({ schedule: 'every5', fired: false, skipped: 'previous_run_active' });
    expect(clock.pending).toBe(1);
  });

  it('honours the time zone (09:00 in Berlin is 08:00 UTC in winter)', () => {
    const { clock, outcomes } = setup([berlin], () => idle);
    clock.advance(6 * MINUTE);
    expect(outcomes).toEqual([{ schedule: 'berlin', at: '2026-11-23T08:00:00.000Z', fired: true }]);
  });

  it('never starts overlapping runs, and runs again once the previous one finished', async () => {
    const { clock, outcomes, runs } = setup([everyFive], () => idle, Date.UTC(2026, 10, 23, 7, 59, 30));
    clock.advance(MINUTE); // 08:00
    expect(runs).toHaveLength(1);
    clock.advance(5 * MINUTE); // 08:05: still running
    expect(runs).toHaveLength(1);
    expect(outcomes.at(-1)).toMatchObject({ skipped: 'previous_run_active' });
    runs[0]!.finish();
    await new Promise((r) => setImmediate(r));
    clock.advance(5 * MINUTE); // 08:10
    expect(runs).toHaveLength(2);
  });

  it('skips when the scanner is offline or unknown, and when the feeder is empty', () => {
    let state: ScannerStatePayload | undefined = { status: 'offline', adf: null, job: null };
    const { clock, outcomes } = setup([weekdays8], () => state, Date.UTC(2026, 10, 23, 7, 59, 0));
    const DAY = 24 * 60 * MINUTE;
    clock.advance(MINUTE + 1000);
    state = undefined;
    clock.advance(DAY);
    state = { status: 'idle', adf: 'empty', job: null };
    clock.advance(DAY);
    state = { status: 'idle', adf: null, job: null };
    clock.advance(DAY);
    expect(outcomes.map((o) => [o.fired, o.skipped, o.detail])).toEqual([
      [false, 'scanner_offline', 'scanner office is offline'],
      [false, 'scanner_offline', 'no scanner with id office'],
      [false, 'adf_not_loaded', 'feeder is empty'],
      [false, 'adf_not_loaded', 'feeder is not reported'],
    ]);
  });

  it('a refused run is logged and does not block the next one', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 7, 59, 30));
    let calls = 0;
    scheduler = new Scheduler({
      schedules: [everyFive],
      logger,
      clock,
      scannerState: () => idle,
      runScan: () => {
        calls++;
        throw new Error('refused');
      },
    });
    scheduler.start();
    clock.advance(MINUTE);
    await new Promise((r) => setImmediate(r));
    clock.advance(5 * MINUTE);
    expect(calls).toBe(2);
  });

  it('does not run a burst of missed minutes after a clock jump', () => {
    const { clock, outcomes } = setup([everyFive], () => idle);
    clock.time += 60 * MINUTE; // suspend from 07:55 to 08:55: no timer fired
    clock.advance(MINUTE);
    // Only the minutes just before the late tick are checked: 08:55 runs, 08:00..08:50 do not.
    expect(outcomes.map((o) => o.at.slice(11, 16))).toEqual(['08:55']);
  });

  it('stop() clears its timer', async () => {
    const { clock } = setup([everyFive], () => idle);
    await scheduler!.stop();
    scheduler = undefined;
    expect(clock.pending).toBe(0);
  });
});

describe('parseSchedulesConfig', () => {
  it.each([
    [{}, /^schedules: must be a list/],
    [[{ cron: '0 8 * * *', scanner: 'x' }], /^schedules\[0\]\.name: is required/],
    [[{ name: 'a', cron: '0 8 * *', scanner: 'x' }], /^schedules\[0\]\.cron: must have 5 fields/],
    [[{ name: 'a', cron: '* 0 8 * * *', scanner: 'x' }], /^schedules\[0\]\.cron: must have 5 fields/],
    [[{ name: 'a', cron: '61 8 * * *', scanner: 'x' }], /^schedules\[0\]\.cron: 61/],
    [[{ name: 'a', cron: '0 8 * * *' }], /^schedules\[0\]\.scanner: is required/],
    [[{ name: 'a', cron: '0 8 * * *', scanner: 'x', timezone: 'Mars/Olympus' }], /^schedules\[0\]\.timezone: unknown time zone/],
    [[{ name: 'a', cron: '0 8 * * *', scanner: 'x', only_if_adf_loaded: 'yes' }], /only_if_adf_loaded: must be true or false/],
    [[{ name: 'a', cron: '0 8 * * *', scanner: 'x', every: 1 }], /^schedules\[0\]\.every: is not a known/],
    [[{ name: 'a', cron: '0 8 * * *', scanner: 'x' }, { name: 'a', cron: '0 9 * * *', scanner: 'x' }], /^schedules\[1\]\.name: "a" is used twice/],
  ])('names the entry and field for %j', (value, message) => {
    expect(() => parseSchedulesConfig(value)).toThrow(message);
  });

  it('reads a valid list with defaults', () => {
    expect(parseSchedulesConfig([{ name: 'a', cron: ' 0 8 * * 1-5 ', scanner: 'x', profile: 'document' }])).toEqual([{ name: 'a', cron: '0 8 * * 1-5', scanner: 'x', profile: 'document', only_if_adf_loaded: false }]);
  });
});
