/**
 * The WSD driver's events against the simulated device: one subscription per device renewed
 * (never duplicated) when the device grants short lifetimes, a fresh one after the device
 * restarts, Unsubscribe at stop, a panel press as a button event whose deviceJob makes the scan
 * carry the ScanIdentifier and DestinationToken, and status pushes.
 */
import { buffer } from 'node:stream/consumers';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceEvent, DeviceEventOptions } from '../../../src/core/device-events.js';
import type { ScanSettings } from '../../../src/core/settings.js';
import { createWsdDriver, type WsdDriver } from '../../../src/protocols/wsd/driver.js';
import { clientContextFor } from '../../../src/protocols/wsd/device-events.js';
import { WsdEventEndpoints } from '../../../src/protocols/wsd/event-endpoint.js';
import { WsdSimulator } from '../../sim/wsd/simulator.js';

const logger = pino({ level: 'silent' });
const adf: ScanSettings = { source: 'adf', resolution: 75, color_mode: 'color', format: 'jpeg', region: { x: 0, y: 0, width: 210, height: 297 } };
/** Short pauses so a restart is noticed within a test; the renewal rule (half the lifetime) is the product's. */
const FAST_EVENTS = { timing: { minRenewDelayMs: 200, retryMinMs: 100, retryMaxMs: 400 } };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup(): Promise<{ sim: WsdSimulator; driver: WsdDriver }> {
  const sim = await WsdSimulator.start({ adfSheets: 2 });
  cleanups.push(() => sim.close());
  const driver = createWsdDriver({ serviceUrl: sim.scanUrl, logger, deviceLabel: 'sim', events: { ...FAST_EVENTS, endpoints: new WsdEventEndpoints(logger) } });
  cleanups.push(() => driver.close());
  return { sim, driver };
}

/** Reads a driver's events into a list until stopped. */
function listen(driver: WsdDriver, options: Partial<DeviceEventOptions> = {}) {
  const abort = new AbortController();
  const seen: DeviceEvent[] = [];
  const done = (async () => {
    for await (const event of driver.events(abort.signal, { pollIntervalMs: 500, ...options })) seen.push(event);
  })();
  cleanups.push(async () => {
    abort.abort();
    await done.catch(() => undefined);
  });
  return { seen, stop: async () => (abort.abort(), await done) };
}

async function until(check: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const panelSubscriptions = (sim: WsdSimulator) => sim.eventing.live().filter((s) => s.destinations.length > 0);

describe('WSD panel and status events against the simulator', () => {
  it('subscribes once with one destination per button, and the capabilities say it pushes buttons and status', async () => {
    const { sim, driver } = await setup();
    expect((await driver.getCapabilities()).events).toEqual(['button', 'status']);
    listen(driver, { buttons: ['Scan to HA', 'Archive'], instance: 'gw-1' });
    await until(() => sim.eventing.live().length === 2, 'the panel and status subscriptions');
    const [panel] = panelSubscriptions(sim);
    expect(panel?.destinations.map((d) => [d.displayName, d.context])).toEqual([
      ['Scan to HA', clientContextFor('gw-1', 'Scan to HA')],
      ['Archive', clientContextFor('gw-1', 'Archive')],
    ]);
    expect(sim.eventing.panelEntries()).toEqual(['Scan to HA', 'Archive']);
    // Delivered to this process's loopback endpoint: the address the device reaches us by.
    expect(panel?.notifyTo).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scan2mqtt\/wsd-events\//);
  });

  it('another gateway instance gets other contexts for the same button', () => {
    expect(clientContextFor('gw-1', 'Scan to HA')).not.toBe(clientContextFor('gw-2', 'Scan to HA'));
    expect(clientContextFor('gw-1', 'Scan to HA')).toBe(clientContextFor('gw-1', 'Scan to HA'));
  });

  it('a short lifetime is renewed, never replaced: one panel entry after several lifetimes', async () => {
    const { sim, driver } = await setup();
    sim.eventing.maxExpiresS = 1;
    listen(driver, { buttons: ['Scan to HA'] });
    await until(() => sim.eventing.renewCount >= 6, 'several renewals');
    expect(sim.eventing.subscribeCount).toBe(2);
    expect(sim.eventing.panelEntries()).toEqual(['Scan to HA']);
    expect(sim.eventing.live()).toHaveLength(2);
  });

  it('subscribes again after the device restarted (its Renew is refused), and unsubscribes at stop', async () => {
    const { sim, driver } = await setup();
    sim.eventing.maxExpiresS = 1;
    const { stop } = listen(driver, { buttons: ['Scan to HA'] });
    await until(() => sim.eventing.live().length === 2, 'the subscriptions');
    sim.restart();
    expect(sim.eventing.live()).toHaveLength(0);
    await until(() => sim.eventing.live().length === 2, 'subscriptions after the restart');
    expect(sim.eventing.subscribeCount).toBe(4);
    expect(sim.eventing.panelEntries()).toEqual(['Scan to HA']);
    await stop();
    expect(sim.eventing.live()).toHaveLength(0);
    expect(sim.eventing.unsubscribeCount).toBe(2);
  });

  it('driver.close() unsubscribes before it lets the sockets go', async () => {
    const { sim, driver } = await setup();
    listen(driver, { buttons: ['Scan to HA'] });
    await until(() => sim.eventing.live().length === 2, 'the subscriptions');
    await driver.close();
    expect(sim.eventing.live()).toHaveLength(0);
  });

  it('a press yields a button event whose deviceJob makes the scan send the ScanIdentifier and DestinationToken', async () => {
    const { sim, driver } = await setup();
    const { seen } = listen(driver, { buttons: ['Scan to HA', 'Archive'] });
    await until(() => panelSubscriptions(sim).length === 1, 'the panel subscription');
    const press = await sim.eventing.press('Archive');
    expect(press.status).toBe(202);
    await until(() => seen.some((e) => e.kind === 'button'), 'the button event');
    const event = seen.find((e) => e.kind === 'button');
    expect(event).toMatchObject({ kind: 'button', button: 'Archive', action: 'press' });
    const deviceJob = event?.kind === 'button' ? event.deviceJob : undefined;
    expect(deviceJob).toBeDefined();
    const pages = [];
    for await (const page of driver.scan(adf, new AbortController().signal, deviceJob)) pages.push(await buffer(page.data));
    expect(pages).toHaveLength(2);
    const token = panelSubscriptions(sim)[0]?.destinations.find((d) => d.displayName === 'Archive')?.token;
    expect(sim.panelJobs).toEqual([{ scanIdentifier: press.scanIdentifier, destinationToken: token }]);
  });

  it('the panel’s InputSource wins over the bound profile’s source', async () => {
    const { sim, driver } = await setup();
    const { seen } = listen(driver, { buttons: ['Scan to HA'] });
    await until(() => panelSubscriptions(sim).length === 1, 'the panel subscription');
    await sim.eventing.press('Scan to HA', 'Platen');
    await until(() => seen.some((e) => e.kind === 'button'), 'the button event');
    const event = seen.find((e) => e.kind === 'button');
    const pages = [];
    for await (const page of driver.scan(adf, new AbortController().signal, event?.kind === 'button' ? event.deviceJob : undefined)) pages.push(await buffer(page.data));
    expect(pages).toHaveLength(1);
    expect(sim.requests.find((r) => r.action.endsWith('/CreateScanJob'))?.body).toContain('<wscn:InputSource>Platen</wscn:InputSource>');
  });

  it('a token from before a restart is refused by the device: the job fails, it does not scan blind', async () => {
    const { sim, driver } = await setup();
    const { seen } = listen(driver, { buttons: ['Scan to HA'] });
    await until(() => panelSubscriptions(sim).length === 1, 'the panel subscription');
    await sim.eventing.press('Scan to HA');
    await until(() => seen.some((e) => e.kind === 'button'), 'the button event');
    sim.restart();
    const event = seen.find((e) => e.kind === 'button');
    const run = (async () => {
      for await (const page of driver.scan(adf, new AbortController().signal, event?.kind === 'button' ? event.deviceJob : undefined)) await buffer(page.data);
    })();
    await expect(run).rejects.toMatchObject({ message: expect.stringMatching(/InvalidScanIdentifier/) });
  });

  it('status pushes become status events; without bound buttons only status is subscribed', async () => {
    const { sim, driver } = await setup();
    const { seen } = listen(driver);
    await until(() => sim.eventing.live().length === 1, 'the status subscription');
    expect(sim.eventing.panelEntries()).toEqual([]);
    expect(await sim.eventing.statusChanged('Stopped', ['MediaJam'])).toEqual([202]);
    await until(() => seen.length > 0, 'the status event');
    expect(seen).toEqual([{ kind: 'status', status: { state: 'stopped', adf: 'jam', reasons: ['MediaJam'] } }]);
  });

  it('the event endpoint refuses hostile input with 4xx and keeps serving', async () => {
    const { sim, driver } = await setup();
    const { seen } = listen(driver, { buttons: ['Scan to HA'] });
    await until(() => panelSubscriptions(sim).length === 1, 'the panel subscription');
    expect(await sim.eventing.postRaw('<not-soap/>')).toEqual([400, 400]);
    expect(await sim.eventing.postRaw('{"json":true}', 'application/json')).toEqual([415, 415]);
    expect(await sim.eventing.postRaw(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`)).toEqual([400, 400]);
    expect(await sim.eventing.postRaw('x'.repeat(200 * 1024))).toEqual([413, 413]);
    const url = sim.eventing.live()[0]!.notifyTo;
    expect((await fetch(url)).status).toBe(405);
    expect((await fetch(new URL('/elsewhere', url), { method: 'POST' })).status).toBe(404);
    await sim.eventing.press('Scan to HA');
    await until(() => seen.some((e) => e.kind === 'button'), 'a press after the hostile input');
  });
});
