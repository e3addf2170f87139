/**
 * The device event feed: a scanner's events flow only while someone watches it, it is online
 * and no job runs (today's rule for SANE sensors), and follow a replaced driver.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeviceEvent, DeviceEventOptions } from '../../src/core/device-events.js';
import type { ScannerDriver } from '../../src/core/scanner.js';
import { DeviceEventFeed, RESUBSCRIBE_DELAY_MS } from '../../src/gateway/device-event-feed.js';

afterEach(() => vi.useRealTimers());

/** A driver whose event subscriptions the test sees and feeds. */
class PushingDriver {
  readonly protocol = 'sane' as const;
  constructor(readonly eventsDuringJobs?: boolean) {}
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

/** The scanner `lide` as the gateway would show it to the feed; the test changes it as the gateway would. */
function setup() {
  const driver = new PushingDriver();
  const entry = { id: 'lide', online: false, released: false, driver: driver as unknown as ScannerDriver };
  const job = { running: false };
  const seen: DeviceEvent[] = [];
  const feed = new DeviceEventFeed({
    logger: pino({ level: 'silent' }),
    pollIntervalMs: 250,
    scanner: (id) => (id === entry.id ? entry : undefined),
    busy: () => job.running,
    onEvent: (_id, event) => seen.push(event),
  });
  return { driver, entry, job, feed, seen };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const press = (button: string): DeviceEvent => ({ kind: 'button', button, action: 'press' });

describe('DeviceEventFeed', () => {
  it('subscribes only to a watched, online scanner, with the configured poll interval, and stops on unwatch', async () => {
    const { driver, entry, feed, seen } = setup();
    entry.online = true;
    feed.update(entry.id);
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
    feed.update(entry.id);
    expect(driver.open).toHaveLength(1);
    entry.online = false;
    feed.update(entry.id);
    expect(driver.open).toHaveLength(0);
  });

  it('never listens while a job runs, and listens afresh once it ended', async () => {
    const { driver, entry, job, feed, seen } = setup();
    entry.online = true;
    feed.watch('lide');
    job.running = true;
    feed.update(entry.id);
    expect(driver.open).toHaveLength(0);
    driver.subscriptions[0]!.push(press('email'));
    await settle();
    expect(seen).toEqual([]);
    job.running = false;
    feed.update(entry.id);
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
    feed.update(entry.id);
    expect(driver.open).toHaveLength(0);
    expect(replacement.open).toHaveLength(1);
    replacement.open[0]!.end();
    await vi.advanceTimersByTimeAsync(RESUBSCRIBE_DELAY_MS - 1);
    feed.update(entry.id);
    expect(replacement.subscriptions).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(replacement.subscriptions).toHaveLength(2);
    feed.halt();
    expect(replacement.open).toHaveLength(0);
  });

  it('a driver whose events do not hold the device (eventsDuringJobs) keeps its one subscription through a job', () => {
    const { entry, job, feed } = setup();
    const wsd = new PushingDriver(true);
    entry.driver = wsd as unknown as ScannerDriver;
    entry.online = true;
    feed.watch('lide');
    job.running = true;
    feed.update(entry.id);
    job.running = false;
    feed.update(entry.id);
    expect(wsd.open).toHaveLength(1);
    expect(wsd.subscriptions).toHaveLength(1);
  });

  it('hands the watchers’ button names (their union) and the instance name to the driver, and reopens when they change', () => {
    const driver = new PushingDriver();
    const entry = { id: 'mfp', online: true, released: false, driver: driver as unknown as ScannerDriver };
    const feed = new DeviceEventFeed({
      logger: pino({ level: 'silent' }),
      pollIntervalMs: 250,
      scanner: (id) => (id === entry.id ? entry : undefined),
      busy: () => false,
      onEvent: () => undefined,
      instance: 'gw-1',
    });
    feed.watch('mfp', ['Scan to HA']);
    expect(driver.open.map((s) => s.options)).toEqual([{ pollIntervalMs: 250, buttons: ['Scan to HA'], instance: 'gw-1' }]);
    const unwatch = feed.watch('mfp', ['Archive', 'Scan to HA']);
    expect(driver.open.map((s) => s.options.buttons)).toEqual([['Archive', 'Scan to HA']]);
    unwatch();
    expect(driver.open.map((s) => s.options.buttons)).toEqual([['Scan to HA']]);
    expect(driver.subscriptions).toHaveLength(3);
  });

  it('a watch of `*` listens to every scanner, known now or later, with its buttons', () => {
    const drivers = new Map([['a', new PushingDriver()]]);
    const entries = new Map([...drivers].map(([id, d]) => [id, { id, online: true, released: false, driver: d as unknown as ScannerDriver }]));
    const feed = new DeviceEventFeed({
      logger: pino({ level: 'silent' }),
      pollIntervalMs: 250,
      scanner: (id) => entries.get(id),
      busy: () => false,
      onEvent: () => undefined,
      scannerIds: () => [...entries.keys()],
    });
    const unwatch = feed.watch('*', ['Scan to HA']);
    expect(drivers.get('a')!.open.map((s) => s.options.buttons)).toEqual([['Scan to HA']]);
    const later = new PushingDriver();
    entries.set('b', { id: 'b', online: true, released: false, driver: later as unknown as ScannerDriver });
    feed.update('b');
    expect(later.open).toHaveLength(1);
    unwatch();
    expect(drivers.get('a')!.open).toHaveLength(0);
    expect(later.open).toHaveLength(0);
  });
});
