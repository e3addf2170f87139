import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../../../src/core/device-events.js';
import { createEsclDriver, type EsclDriver } from '../../../../src/protocols/escl/driver.js';
import { EsclSimulator, fixturePath } from '../../../sim/escl/index.js';

const logger = pino({ level: 'silent' });
const HP_FIXTURE = fixturePath('escl/capabilities/hp-officejet-pro-6978.xml');
const FAST = { eventWaitMs: 2_000, eventHeadroomMs: 2_000, retryDelayMs: 50, compEventPollMs: 10, compEventReads: 20, removeTimeoutMs: 2_000 };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup(options: { hpWalkup?: boolean; fixture?: string } = {}): Promise<{ sim: EsclSimulator; driver: EsclDriver }> {
  const sim = new EsclSimulator({ capabilitiesFixture: options.fixture ?? HP_FIXTURE, hpWalkup: options.hpWalkup ?? true });
  await sim.start();
  cleanups.push(() => sim.stop());
  const driver = createEsclDriver({ baseUrl: sim.baseUrl, logger, deviceLabel: 'hp', walkupTiming: FAST });
  cleanups.push(() => driver.close());
  return { sim, driver };
}

/** Reads events in the background; `next()` waits for the next one. */
function listen(driver: EsclDriver, buttons: string[], instance = 'gw-a') {
  const abort = new AbortController();
  const queue: DeviceEvent[] = [];
  let wake: (() => void) | undefined;
  const done = (async () => {
    for await (const event of driver.events(abort.signal, { pollIntervalMs: 1000, buttons, instance })) {
      queue.push(event);
      wake?.();
    }
  })();
  return {
    abort,
    done,
    async next(): Promise<DeviceEvent> {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return queue.shift() as DeviceEvent;
    },
    pending: () => queue.length,
  };
}

/** How long `until` waits: a loaded 2-core machine needs seconds; still below the test timeout for a clear message. */
const UNTIL_LIMIT_MS = 20_000;

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + UNTIL_LIMIT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Long-polls of the event table sent with the table's current etag: each is a driver that has handled the table as it is now. */
const pollsOnCurrentTable = (sim: EsclSimulator) => sim.requests.filter((r) => r.path.includes('timeout=') && r.headers['if-none-match'] === sim.walkup?.etag).length;

const names = (sim: EsclSimulator) => [...(sim.walkup?.destinations.values() ?? [])].map((d) => `${d.name}@${d.hostname}`).sort();

describe('HP walk-up Scan to Computer as eSCL device events', () => {
  it('offers button events only for devices with WalkupScanToComp', async () => {
    const { driver } = await setup();
    expect((await driver.getCapabilities()).events).toEqual(['button']);
    const plain = await setup({ hpWalkup: false });
    expect((await plain.driver.getCapabilities()).events).toBeUndefined();
    const other = await setup({ fixture: fixturePath('escl/airsane/airsane-ScannerCapabilities.xml') });
    expect((await other.driver.getCapabilities()).events).toBeUndefined();
    // Not an HP make: the walk-up resources are never asked for.
    expect(other.sim.requests.some((r) => r.path.startsWith('/WalkupScanToComp'))).toBe(false);
  });

  it('registers one destination per binding, named for the panel, and yields a press with the panel choices', async () => {
    const { sim, driver } = await setup();
    const events = listen(driver, ['Scan to HA', 'Receipts']);
    await until(() => sim.walkup?.destinations.size === 2, 'registration');
    expect(names(sim)).toEqual(['Receipts@gw-a', 'Scan to HA@gw-a']);
    await until(() => sim.requests.some((r) => r.path.startsWith('/EventMgmt/EventTable?timeout=') && r.headers['if-none-match'] !== undefined), 'long-poll');

    sim.loadAdf(3);
    expect(sim.walkup?.press('Receipts', { duplex: true, shortcut: 'SaveJPEG' })).toBe(true);
    expect(await events.next()).toEqual({ kind: 'button', button: 'Receipts', action: 'press', deviceJob: { protocol: 'hp_walkup', source: 'adf_duplex', content: 'photo', shortcut: 'SaveJPEG' } });

    sim.loadAdf(0);
    sim.walkup?.press('Scan to HA', { shortcut: 'SavePDF' });
    expect(await events.next()).toMatchObject({ button: 'Scan to HA', deviceJob: { source: 'platen', content: 'document' } });
    events.abort.abort();
    await events.done;
  });

  it('long-polls with the etag the device sent and the timeout in deciseconds', async () => {
    const { sim, driver } = await setup();
    const events = listen(driver, ['Scan to HA']);
    await until(() => sim.requests.some((r) => r.path.includes('timeout=')), 'long-poll');
    const poll = sim.requests.find((r) => r.path.includes('timeout='));
    expect(poll?.path).toBe('/EventMgmt/EventTable?timeout=20');
    expect(poll?.headers['if-none-match']).toBe(sim.walkup?.etag);
    events.abort.abort();
    await events.done;
  });

  it('ignores presses on destinations it does not hold (another gateway instance)', async () => {
    const { sim, driver } = await setup();
    const other = createEsclDriver({ baseUrl: sim.baseUrl, logger, deviceLabel: 'hp-b', walkupTiming: FAST });
    cleanups.push(() => other.close());
    const a = listen(driver, ['Scan to HA'], 'gw-a');
    const b = listen(other, ['Scan to HA'], 'gw-b');
    // Each driver reads the event table before it registers, so once both destinations exist a press is new to both.
    await until(() => sim.walkup?.destinations.size === 2, 'both registrations');
    expect(names(sim)).toEqual(['Scan to HA@gw-a', 'Scan to HA@gw-b']);
    const [forB] = [...(sim.walkup?.destinations.values() ?? [])].filter((d) => d.hostname === 'gw-b');
    // Both show "Scan to HA": press the one gateway b holds.
    sim.walkup?.destinations.delete(forB?.id ?? '');
    sim.walkup?.destinations.set(forB?.id ?? '', { ...forB!, name: 'Scan to HA (b)' });
    sim.walkup?.press('Scan to HA (b)');
    const pressB = await b.next();
    expect(pressB).toMatchObject({ button: 'Scan to HA' });
    // Gateway a has ignored the press only once it polls again past the table holding it (as b does).
    await until(() => pollsOnCurrentTable(sim) >= 2, 'both polling past the press');
    expect(a.pending()).toBe(0);
    a.abort.abort();
    b.abort.abort();
    await Promise.all([a.done, b.done]);
  });

  it('registers again after the device restarts and forgot its destinations', async () => {
    const { sim, driver } = await setup();
    const events = listen(driver, ['Scan to HA']);
    await until(() => sim.walkup?.destinations.size === 1, 'registration');
    const first = [...(sim.walkup?.destinations.keys() ?? [])][0];
    sim.restart();
    await until(() => sim.walkup?.destinations.size === 1 && !sim.walkup.destinations.has(first ?? ''), 're-registration');
    await until(() => pollsOnCurrentTable(sim) > 0, 'new long-poll');
    sim.loadAdf(0);
    sim.walkup?.press('Scan to HA');
    expect(await events.next()).toMatchObject({ button: 'Scan to HA', deviceJob: { source: 'platen' } });
    events.abort.abort();
    await events.done;
  });

  it('answers a press made the moment its destination appears on the panel', async () => {
    const { sim, driver } = await setup();
    sim.loadAdf(0);
    // Before the driver even hears back from its registration: no read of the table may take this press for an old one.
    sim.walkup!.onRegistered = (destination) => sim.walkup?.press(destination.name);
    const events = listen(driver, ['Scan to HA']);
    expect(await events.next()).toMatchObject({ button: 'Scan to HA', deviceJob: { source: 'platen' } });
    expect(sim.walkup?.presses).toHaveLength(1);
    events.abort.abort();
    await events.done;
  });

  it('removes a destination whose registration was under way when the events stopped', async () => {
    const { sim, driver } = await setup();
    const events = listen(driver, ['Scan to HA', 'Receipts']);
    // The gateway stops while the device is registering the first destination.
    sim.walkup!.onRegistered = () => events.abort.abort();
    await events.done;
    expect(sim.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/WalkupScanToComp/'))).toHaveLength(1);
    expect(sim.walkup?.destinations.size).toBe(0);
  });

  it('reuses its own leftover destination and removes its stale ones, leaving other clients alone', async () => {
    const { sim, driver } = await setup();
    const post = (name: string, hostname: string) =>
      fetch(`${sim.origin}/WalkupScanToComp/WalkupScanToCompDestinations`, {
        method: 'POST',
        body: `<WalkupScanToCompDestination xmlns="http://www.hp.com/schemas/imaging/con/ledm/walkupscan/2010/09/28"><Hostname>${hostname}</Hostname><Name>${name}</Name><LinkType>Network</LinkType></WalkupScanToCompDestination>`,
      });
    await post('Scan to HA', 'gw-a');
    await post('Old button', 'gw-a');
    await post('LAPTOP', 'LAPTOP');
    const leftover = [...(sim.walkup?.destinations.values() ?? [])].find((d) => d.name === 'Scan to HA')?.id;
    const events = listen(driver, ['Scan to HA']);
    await until(() => names(sim).join() === 'LAPTOP@LAPTOP,Scan to HA@gw-a', 'reconcile');
    expect(sim.walkup?.destinations.has(leftover ?? '')).toBe(true);
    events.abort.abort();
    await events.done;
    expect(names(sim)).toEqual(['LAPTOP@LAPTOP']);
  });

  it('removes its destinations when the events stop, and when the driver closes', async () => {
    const { sim, driver } = await setup();
    const events = listen(driver, ['Scan to HA', 'Receipts']);
    await until(() => sim.walkup?.destinations.size === 2, 'registration');
    events.abort.abort();
    await events.done;
    expect(sim.walkup?.destinations.size).toBe(0);
    expect(sim.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/WalkupScanToComp/')).length).toBe(2);

    listen(driver, ['Scan to HA']);
    await until(() => sim.walkup?.destinations.size === 1, 'registration again');
    await driver.close();
    expect(sim.walkup?.destinations.size).toBe(0);
  });

  it('runs the scan with the panel source merged into the profile settings', async () => {
    const { sim, driver } = await setup();
    const events = listen(driver, ['Scan to HA']);
    await until(() => sim.walkup?.destinations.size === 1, 'registration');
    sim.loadAdf(2);
    sim.walkup?.press('Scan to HA', { duplex: true, shortcut: 'SavePhoto1' });
    const press = await events.next();
    events.abort.abort();
    await events.done;
    const profile = { source: 'platen' as const, resolution: 300, color_mode: 'gray' as const, format: 'jpeg' as const, region: { x: 0, y: 0, width: 210, height: 297 } };
    const pages = [];
    for await (const page of driver.scan(profile, new AbortController().signal, press.kind === 'button' ? press.deviceJob : undefined)) {
      page.data.resume();
      await new Promise((resolve) => page.data.once('end', resolve));
      pages.push(page.index);
    }
    const job = sim.jobs.at(-1);
    expect(job?.scan).toMatchObject({ source: 'adf-duplex', duplex: true, colorMode: 'RGB24', xResolution: 300 });
    expect(pages).toEqual([1, 2, 3, 4]);
  });
});
