/**
 * The WSD protocol module against the simulator: hand-listed URLs (a bare host finds its
 * service among the known locations), identity learnt from the service's own metadata, and
 * the WS-Discovery source behind config `discovery.wsd`.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../../../src/core/device-record.js';
import { NO_TRACE } from '../../../src/core/trace.js';
import { wsdModule } from '../../../src/protocols/wsd/module.js';
import { WsdSimulator, type WsdSimOptions } from '../../sim/wsd/simulator.js';

const logger = pino({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function simulator(options: WsdSimOptions = {}): Promise<WsdSimulator> {
  const sim = await WsdSimulator.start(options);
  cleanups.push(() => sim.close());
  return sim;
}

function driverFor(url: string, key = wsdModule.parseUrl(url).key ?? '', extra: Partial<DeviceRecord> = {}) {
  const record: DeviceRecord = { id: 'office', key, protocol: 'wsd', name: 'Office', endpoints: [{ url: wsdModule.parseUrl(url).url }], sources: new Set(['static']), present: true, ...extra };
  const driver = wsdModule.createDriver({ record, endpoint: record.endpoints[0]!, logger, tracer: NO_TRACE });
  cleanups.push(() => driver.close());
  return driver;
}

describe('WSD protocol module', () => {
  it('drives a hand-listed service URL and learns the device UUID from the service (GetMetadata)', async () => {
    const sim = await simulator();
    const caps = await driverFor(sim.scanUrl).getCapabilities();
    expect(caps.protocol).toBe('wsd');
    expect(caps.uuid).toBe('5a1e0000-0000-4000-8000-00000000d5d1');
    expect(sim.actions()).toEqual(['GetScannerElements', 'Request']);
  });

  it('keeps a hand-listed device that does not name its host known by URL, and still works', async () => {
    const sim = await simulator();
    sim.faults.set('Request', { subcode: 'addressing:ActionNotSupported' });
    const caps = await driverFor(sim.scanUrl).getCapabilities();
    expect(caps.uuid).toBeUndefined();
    expect(Object.keys(caps.sources)).toContain('adf');
  });

  it('takes a discovered record at its word: identity from the record, no metadata asked', async () => {
    const sim = await simulator();
    const caps = await driverFor(sim.scanUrl, 'uuid:0000beef-0000-4000-8000-000000000001', { manufacturer: 'Acme', model: 'Found 1' }).getCapabilities();
    expect(caps).toMatchObject({ uuid: '0000beef-0000-4000-8000-000000000001', manufacturer: 'Acme', model: 'Found 1' });
    expect(sim.actions()).toEqual(['GetScannerElements']);
  });

  it('finds the scan service of a bare host among the known locations (port 8018 closed, then :5358/WSDScanner)', async () => {
    const host = '127.0.0.58';
    const sim = await simulator({ host, port: 5358 });
    const driver = driverFor(`http://${host}`);
    expect((await driver.getCapabilities()).uuid).toBe('5a1e0000-0000-4000-8000-00000000d5d1');
    expect((await driver.getStatus()).state).toBe('idle');
    expect(sim.requests.every((r) => r.path === '/WSDScanner')).toBe(true);
  });

  it('says which locations it tried when none answers', async () => {
    const error = await driverFor('http://127.0.0.59').getCapabilities().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DeviceOffline' });
    expect((error as Error).message).toContain('http://127.0.0.59:8018/wsd/scan');
    expect((error as Error).message).toContain('http://127.0.0.59:5358/WSDScanner');
  });

  it('offers WS-Discovery by default and none when config discovery.wsd is false', () => {
    const deps = { hosts: [], rescanIntervalMs: 300_000, logger, tracer: NO_TRACE };
    expect(wsdModule.discovery?.({ ...deps, switches: { mdns: true, wsd: true } }).sources.map((s) => s.name)).toEqual(['wsd']);
    expect(wsdModule.discovery?.({ ...deps, switches: { wsd: false } }).sources).toEqual([]);
    expect(wsdModule.notReady).toBeUndefined();
  });
});
