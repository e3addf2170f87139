/**
 * The device event feed: a scanner's events flow only while someone watches it, it is online
 * and no job runs (today's rule for SANE sensors), and follow a replaced driver.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeviceEvent, DeviceEventOptions } from '../../src/core/device-events.js';
import type { ScannerDriver } from '../../src/core/scanner.js';
import type { DeviceRecord } from '../../src/discovery/registry.js';
import { DeviceEventFeed, RESUBSCRIBE_DELAY_MS } from '../../src/gateway/device-event-feed.js';
import { ScannerEntry } from '../../src/gateway/scanner-entry.js';
import { JobQueue } from '../../src/jobs/job-queue.js';
import { ScanJob } from '../../src/jobs/scan-job.js';

afterEach(() => vi.useRealTimers());

/** A driver whose event subscriptions the test sees and feeds. */
class PushingDriver {
  readonly protocol = 'sane' as const;
  readonly subscriptions: { options: DeviceEventOptions; push: (event: DeviceEvent) => void; end: () => void; signal: AbortSignal; ended: boolean }[] = [];
  getCapabilities = () => Promise.reject(new Error('not in this test'));
  getStatus = () => Promise.reject(new Error('not in this test'));
  scan = () => (async function* () {})();
  close = async () => undefined;

  events(signal: AbortSignal, options: DeviceEventOptions): AsyncIterable<DeviceEvent> {
    const queue: DeviceEvent[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const poke = () => wake?.();
    signal.addEventListener('abort', poke);
    const subscription = { options, signal, ended: false, push: (e: DeviceEvent) => (queue.push(e), poke()), end: () => ((ended = subscription.ended = true), poke()) };
    this.subscriptions.push(subscription);
    return (async function* () {
      while (!signal.aborted && !ended) {
        const next = queue.shift();
        if (next) yield next;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    })();
  }

  /** Subscriptions neither aborted nor ended. */
  get open() {
    return this.subscriptions.filter((s) => !s.signal.aborted && !s.ended);
  }
}

const record: DeviceRecord = { id: 'lide', key: 'sane:lide', protocol: 'sane', name: 'LiDE', endpoints: [{ url: 'sane://127.0.0.1:6566/test:0' }] as never, sources: new Set(), present: true };

function setup() {
  const driver = new PushingDriver();
  let release: () => void = () => undefined;
  const queue = new JobQueue(() => new Promise<void>((resolve) => (release = resolve)));
  const entry = new ScannerEntry(record, driver as unknown as ScannerDriver, queue);
  const seen: DeviceEvent[] = [];
  const feed = new DeviceEventFeed({ logger: pino({ level: 'silent' }), pollIntervalMs: 250, entry: (id) => (id === entry.id ? entry : undefined), onEvent: (_e, event) => seen.push(event) });
  return { driver, entry, queue, feed, seen, finishJob: () => release() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const press = (button: string): DeviceEvent => ({ kind: 'button', button, action: 'press' });

describe('DeviceEventFeed', () => {
  it('subscribes only to a watched, online scanner, with the configured poll interval, and stops on unwatch', async () => {
    const { driver, entry, feed, seen } = setup();
    entry.online = true;
    feed.update(entry);
    expect(driver.subscriptions).toHaveLength(0);
    const unwatch = feed.watch('lide');
    expect(driver.open).toHaveLength(1);
    expect(driver.open[0]!.options).toEqual({ pollIntervalMs: 250 });
    driver.open[0]!.push(press('scan'));
    await settle();
    expect(seen).toEqual([press('scan')]);
    unwatch();
    expect(driver.open).toHaveLength(0);
  });

  it('waits for a watched scanner to come online, and lets go of it when it goes offline', () => {
    const { driver, entry, feed } = setup();
    feed.watch('lide');
    expect(driver.subscriptions).toHaveLength(0);
    entry.online = true;
    feed.update(entry);
    expect(driver.open).toHaveLength(1);
    entry.online = false;
    feed.update(entry);
    expect(driver.open).toHaveLength(0);
  });

  it('never listens while a job runs, and listens afresh once it ended', async () => {
    const { driver, entry, queue, feed, seen, finishJob } = setup();
    entry.online = true;
    feed.watch('lide');
    queue.enqueue(new ScanJob({ scannerId: 'lide', scannerName: 'LiDE', settings: {} as never, trigger: 'command', adapted: [] }));
    feed.update(entry);
    expect(driver.open).toHaveLength(0);
    driver.subscriptions[0]!.push(press('email'));
    await settle();
    expect(seen).toEqual([]);
    finishJob();
    await queue.whenIdle();
    feed.update(entry);
    expect(driver.open).toHaveLength(1);
    expect(driver.subscriptions).toHaveLength(2);
  });

  it('follows a replaced driver, and tries again later after a subscription ended by itself', async () => {
    vi.useFakeTimers();
    const { driver, entry, feed } = setup();
    entry.online = true;
    feed.watch('lide');
    const replacement = new PushingDriver();
    entry.driver = replacement as unknown as ScannerDriver;
    feed.update(entry);
    expect(driver.open).toHaveLength(0);
    expect(replacement.open).toHaveLength(1);
    replacement.open[0]!.end();
    await vi.advanceTimersByTimeAsync(RESUBSCRIBE_DELAY_MS - 1);
    feed.update(entry);
    expect(replacement.subscriptions).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(replacement.subscriptions).toHaveLength(2);
    feed.halt();
    expect(replacement.open).toHaveLength(0);
  });
});
