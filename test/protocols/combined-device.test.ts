/**
 * A device that speaks eSCL and WSD, as the driver factory builds it from the protocol table:
 * the eSCL and WSD simulators on one loopback address with one UUID, the record presented by
 * eSCL with the WSD service among its other endpoints. Capabilities and ordinary scans are
 * eSCL's; the panel's destinations are listed over WS-Eventing, and a press's scan runs over
 * WSD with its ScanIdentifier and DestinationToken, none over eSCL.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../src/core/device-events.js';
import type { DeviceRecord } from '../../src/core/device-record.js';
import type { ScannerDriver } from '../../src/core/scanner.js';
import type { ScanSettings } from '../../src/core/settings.js';
import { NO_TRACE } from '../../src/core/trace.js';
import { createDriverFactory } from '../../src/protocols/driver-factory.js';
import { PROTOCOL_MODULES } from '../../src/protocols/index.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { WsdSimulator } from '../sim/wsd/simulator.js';

const HOST = '127.0.0.62';
const UUID = 'c0b0c0b0-0000-4000-8000-0000000c0de2';
const logger = pino({ level: 'silent' });
const factory = createDriverFactory({ modules: PROTOCOL_MODULES, logger, tracer: NO_TRACE });
const platen: ScanSettings = { source: 'platen', resolution: 300, color_mode: 'color', format: 'jpeg', region: { x: 0, y: 0, width: 210, height: 297 } };

let escl: EsclSimulator;
let wsd: WsdSimulator;
let driver: ScannerDriver;

beforeAll(async () => {
  escl = new EsclSimulator({ host: HOST, uuid: UUID, makeAndModel: 'Combo 3' });
  await escl.start();
  wsd = await WsdSimulator.start({ host: HOST, adfSheets: 2, model: { endpointAddress: `urn:uuid:${UUID}`, model: 'Combo 3' } });
  const record: DeviceRecord = {
    id: 'combo',
    key: `uuid:${UUID}`,
    protocol: 'escl',
    name: 'Combo',
    endpoints: [{ url: escl.baseUrl }],
    otherEndpoints: { wsd: [{ url: wsd.scanUrl }] },
    sources: new Set(['static']),
    present: true,
  };
  driver = factory(record);
});

afterAll(async () => {
  await driver?.close();
  await wsd?.close();
  await escl?.stop();
});

async function pagesOf(scan: AsyncIterable<{ data: AsyncIterable<unknown> }>): Promise<number> {
  let pages = 0;
  for await (const page of scan) {
    for await (const _chunk of page.data);
    pages += 1;
  }
  return pages;
}

async function until(check: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a device speaking eSCL and WSD, driven by the factory', () => {
  it('is presented by eSCL, with the panel events WSD brings', async () => {
    expect(driver.protocol).toBe('escl');
    const caps = await driver.getCapabilities();
    expect(caps.protocol).toBe('escl');
    expect(caps.uuid).toBe(UUID);
    expect(caps.events).toEqual(expect.arrayContaining(['button', 'status']));
    expect(driver.events).toBeDefined();
    expect(driver.eventsDuringJobs).toBe(true);
  });

  it('scans over eSCL when nobody pressed anything', { timeout: 30_000 }, async () => {
    expect(await pagesOf(driver.scan(platen, new AbortController().signal))).toBe(1);
    expect(escl.jobs).toHaveLength(1);
    expect(wsd.actions()).not.toContain('CreateScanJob');
  });

  it('lists the destination on the panel over WSD, and a press scans over WSD with its identifier and token', { timeout: 30_000 }, async () => {
    const abort = new AbortController();
    const seen: DeviceEvent[] = [];
    const done = (async () => {
      for await (const event of driver.events!(abort.signal, { pollIntervalMs: 1000, buttons: ['Scan to HA'], instance: 'combo-test' })) seen.push(event);
    })();
    try {
      await until(() => wsd.eventing.panelEntries().length === 1, 'the panel entry');
      expect(wsd.eventing.panelEntries()).toEqual(['Scan to HA']);
      const press = await wsd.eventing.press('Scan to HA', 'ADF');
      await until(() => seen.some((e) => e.kind === 'button'), 'the press');
      const event = seen.find((e) => e.kind === 'button');
      expect(event).toMatchObject({ kind: 'button', button: 'Scan to HA', action: 'press', deviceJob: { protocol: 'wsd', scanIdentifier: press.scanIdentifier } });
      const deviceJob = event?.kind === 'button' ? event.deviceJob : undefined;
      const jobsBefore = escl.jobs.length;
      expect(await pagesOf(driver.scan({ ...platen, source: 'adf' }, new AbortController().signal, deviceJob))).toBe(2);
      expect(wsd.panelJobs).toEqual([{ scanIdentifier: press.scanIdentifier, destinationToken: wsd.eventing.issued.get(press.scanIdentifier) }]);
      expect(escl.jobs).toHaveLength(jobsBefore);
    } finally {
      abort.abort();
      await done.catch(() => undefined);
    }
    expect(wsd.eventing.unsubscribeCount).toBeGreaterThanOrEqual(1);
  });
});
