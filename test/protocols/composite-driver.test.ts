/**
 * The composite driver of a device that speaks several protocols: capabilities, status and
 * ordinary scans from the presented protocol's driver; events merged from every driver that has
 * them, presses tagged with the protocol that heard them and their scans run there (with settings
 * fitted to that protocol's capabilities); a part whose events hold the device paused during
 * scans; a failing part retried without disturbing the other; close() closing both.
 */
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScannerCapabilities } from '../../src/core/capabilities.js';
import type { DeviceEvent, DeviceEventOptions, DeviceJob } from '../../src/core/device-events.js';
import type { ScannedPage, ScannerDriver } from '../../src/core/scanner.js';
import type { ScanSettings } from '../../src/core/settings.js';
import { createCompositeDriver } from '../../src/protocols/composite-driver.js';

const logger = pino({ level: 'silent' });
const settings: ScanSettings = { source: 'adf', resolution: 600, color_mode: 'color', format: 'pdf', region: { x: 0, y: 0, width: 215.9, height: 355.6 } };
const OPTIONS: DeviceEventOptions = { pollIntervalMs: 1000, buttons: ['Scan to HA'] };

/** A driver of one protocol whose answers, events and scans the test controls. */
class PartDriver implements ScannerDriver {
  readonly scans: { settings: ScanSettings; deviceJob?: DeviceJob }[] = [];
  /** Sessions of events() opened so far, and how many are open now. */
  opened = 0;
  open = 0;
  closed = false;
  /** Thrown by the next events() sessions while > 0. */
  failures = 0;
  capsFailure: Error | undefined;
  capsDelayMs = 0;
  private emit: ((event: DeviceEvent) => void) | undefined;
  events?: (signal: AbortSignal, options: DeviceEventOptions) => AsyncIterable<DeviceEvent>;
  readonly eventsDuringJobs?: boolean;
  readonly optionsSeen: DeviceEventOptions[] = [];

  constructor(
    readonly protocol: string,
    private readonly caps: ScannerCapabilities,
    opts: { events?: boolean; eventsDuringJobs?: boolean } = {},
  ) {
    if (opts.eventsDuringJobs !== undefined) this.eventsDuringJobs = opts.eventsDuringJobs;
    if (opts.events) this.events = (signal, options) => this.session(signal, options);
  }

  /** Pushes an event into the open session. */
  push(event: DeviceEvent): void {
    if (!this.emit) throw new Error(`no open events session on ${this.protocol}`);
    this.emit(event);
  }

  async getCapabilities(): Promise<ScannerCapabilities> {
    if (this.capsDelayMs) await new Promise((resolve) => setTimeout(resolve, this.capsDelayMs).unref());
    if (this.capsFailure) throw this.capsFailure;
    return this.caps;
  }

  async getStatus() {
    return { state: 'idle' as const, adf: null, from: this.protocol } as never;
  }

  async *scan(s: ScanSettings, _signal: AbortSignal, deviceJob?: DeviceJob): AsyncIterable<ScannedPage> {
    this.scans.push(deviceJob ? { settings: s, deviceJob } : { settings: s });
    yield { index: 1, data: Readable.from([Buffer.from(this.protocol)]) };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async *session(signal: AbortSignal, options: DeviceEventOptions): AsyncIterable<DeviceEvent> {
    this.opened += 1;
    this.optionsSeen.push(options);
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error(`${this.protocol} events failed`);
    }
    this.open += 1;
    const queue: DeviceEvent[] = [];
    let wake: (() => void) | undefined;
    this.emit = (event) => (queue.push(event), wake?.());
    signal.addEventListener('abort', () => wake?.(), { once: true });
    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) yield next;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.open -= 1;
      this.emit = undefined;
    }
  }
}

const source = (resolutions: number[]) => ({ resolutions, color_modes: ['color' as const, 'gray' as const], formats: ['pdf' as const, 'jpeg' as const], max_width_mm: 215.9, max_height_mm: 297 });
const ESCL_CAPS: ScannerCapabilities = { protocol: 'escl', model: 'Combo', uuid: 'u-1', sources: { platen: source([300, 600]), adf: { ...source([300, 600]), max_height_mm: 355.6 } } };
const WSD_CAPS: ScannerCapabilities = { protocol: 'wsd', model: 'Combo (WSD)', sources: { adf: source([150, 300]) }, events: ['button', 'status'] };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

function listen(driver: ScannerDriver) {
  const abort = new AbortController();
  const seen: DeviceEvent[] = [];
  const done = (async () => {
    for await (const event of driver.events!(abort.signal, OPTIONS)) seen.push(event);
  })();
  cleanups.push(async () => (abort.abort(), await done.catch(() => undefined)));
  return { seen, abort, done };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function drain(pages: AsyncIterable<ScannedPage>): Promise<string[]> {
  const out: string[] = [];
  for await (const page of pages) for await (const chunk of page.data) out.push(String(chunk));
  return out;
}

function combo(opts: { esclEvents?: boolean; companionWaitMs?: number } = {}) {
  const escl = new PartDriver('escl', ESCL_CAPS, opts.esclEvents ? { events: true } : {});
  const wsd = new PartDriver('wsd', WSD_CAPS, { events: true, eventsDuringJobs: true });
  const driver = createCompositeDriver({ primary: escl, companions: [wsd], logger, retryDelayMs: 20, ...(opts.companionWaitMs !== undefined ? { companionWaitMs: opts.companionWaitMs } : {}) });
  cleanups.push(() => driver.close());
  return { escl, wsd, driver };
}

describe('composite driver', () => {
  it('presents the primary protocol: its capabilities with the events of both, its status', async () => {
    const { driver } = combo();
    expect(driver.protocol).toBe('escl');
    const caps = await driver.getCapabilities();
    expect(caps).toMatchObject({ protocol: 'escl', model: 'Combo', uuid: 'u-1', sources: ESCL_CAPS.sources });
    expect(caps.events?.sort()).toEqual(['button', 'status']);
    expect(await driver.getStatus()).toMatchObject({ from: 'escl' });
    expect(driver.eventsDuringJobs).toBe(true);
  });

  it('runs an ordinary scan on the primary, untouched, and a press on the protocol that heard it, fitted to its capabilities', async () => {
    const { escl, wsd, driver } = combo();
    expect(await drain(driver.scan(settings, new AbortController().signal))).toEqual(['escl']);
    expect(escl.scans).toEqual([{ settings }]);

    const { seen } = listen(driver);
    await until(() => wsd.open === 1, 'the WSD events session');
    wsd.push({ kind: 'button', button: 'Scan to HA', action: 'press', deviceJob: { protocol: 'wsd', scanIdentifier: 'scan-1', destinationToken: 'tok' } });
    await until(() => seen.length === 1, 'the press');
    const press = seen[0]!;
    expect(press).toMatchObject({ kind: 'button', button: 'Scan to HA', deviceJob: { protocol: 'wsd', scanIdentifier: 'scan-1', destinationToken: 'tok' } });
    expect(await drain(driver.scan(settings, new AbortController().signal, press.kind === 'button' ? press.deviceJob : undefined))).toEqual(['wsd']);
    expect(escl.scans).toHaveLength(1);
    // 600 dpi is not offered over WSD: the nearest it offers, and the page clipped to its feeder.
    expect(wsd.scans).toEqual([{ settings: { ...settings, resolution: 300, region: { x: 0, y: 0, width: 215.9, height: 297 } }, deviceJob: press.kind === 'button' ? press.deviceJob : {} }]);
  });

  it('tags a press with the protocol that heard it, whatever the driver put there', async () => {
    const { wsd, driver } = combo();
    const { seen } = listen(driver);
    await until(() => wsd.open === 1, 'the WSD events session');
    wsd.push({ kind: 'button', button: 'Scan to HA', action: 'press', deviceJob: { scanIdentifier: 's' } });
    await until(() => seen.length === 1, 'the press');
    expect(seen[0]).toMatchObject({ deviceJob: { protocol: 'wsd', scanIdentifier: 's' } });
    // A device job naming no part of this device runs on the primary.
    await drain(driver.scan(settings, new AbortController().signal, { protocol: 'sane', x: '1' }));
    expect(wsd.scans).toHaveLength(0);
  });

  it('merges the events of a primary with its own (walk-up) and the companion, pausing the primary during scans', async () => {
    const { escl, wsd, driver } = combo({ esclEvents: true });
    const { seen } = listen(driver);
    await until(() => escl.open === 1 && wsd.open === 1, 'both sessions');
    expect(escl.optionsSeen[0]).toEqual(OPTIONS);
    expect(wsd.optionsSeen[0]).toEqual(OPTIONS);
    escl.push({ kind: 'button', button: 'Scan to HA', action: 'press', deviceJob: { walkup: 'w-1' } });
    wsd.push({ kind: 'status', status: { state: 'processing', adf: null } });
    await until(() => seen.length === 2, 'both events');
    expect(seen[0]).toMatchObject({ kind: 'button', deviceJob: { protocol: 'escl', walkup: 'w-1' } });
    expect(seen[1]).toMatchObject({ kind: 'status' });

    // The eSCL part does not keep events through jobs: closed while a scan runs, opened again after.
    const pages = driver.scan(settings, new AbortController().signal)[Symbol.asyncIterator]();
    await pages.next();
    await until(() => escl.open === 0, 'the eSCL session closed for the scan');
    expect(wsd.open).toBe(1);
    await pages.return?.();
    await until(() => escl.open === 1, 'the eSCL session reopened');
    expect(escl.opened).toBe(2);
    expect(wsd.opened).toBe(1);
  });

  it('retries a part whose events failed, without touching the other', async () => {
    const { escl, wsd, driver } = combo({ esclEvents: true });
    escl.failures = 2;
    listen(driver);
    await until(() => escl.open === 1, 'the eSCL session after two failures');
    expect(escl.opened).toBe(3);
    expect(wsd.opened).toBe(1);
  });

  it('ends the merged events when the subscriber stops, and close() closes both drivers', async () => {
    const { escl, wsd, driver } = combo({ esclEvents: true });
    const { abort, done } = listen(driver);
    await until(() => escl.open === 1 && wsd.open === 1, 'both sessions');
    abort.abort();
    await done;
    expect([escl.open, wsd.open]).toEqual([0, 0]);
    await driver.close();
    expect([escl.closed, wsd.closed]).toEqual([true, true]);
  });

  it('publishes the primary capabilities when the companion cannot answer, with the events it last told', async () => {
    const { wsd, driver } = combo({ companionWaitMs: 50 });
    expect((await driver.getCapabilities()).events?.sort()).toEqual(['button', 'status']);
    wsd.capsFailure = new Error('unreachable');
    expect((await driver.getCapabilities()).events?.sort()).toEqual(['button', 'status']);
    // A companion that does not answer for a minute does not hold up the read (the test's limit is 5 s).
    wsd.capsFailure = undefined;
    wsd.capsDelayMs = 60_000;
    const caps = await driver.getCapabilities();
    expect(caps.model).toBe('Combo');
  });

  it('a primary without events and companions without events: no events() at all', () => {
    const escl = new PartDriver('escl', ESCL_CAPS);
    const other = new PartDriver('wsd', WSD_CAPS);
    const driver = createCompositeDriver({ primary: escl, companions: [other], logger });
    expect(driver.events).toBeUndefined();
    expect(driver.eventsDuringJobs).toBe(false);
  });
});
