/** The scanner directory: registry records become live scanners it alone changes; others read snapshots and hear events. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScanError } from '../../src/core/errors.js';
import type { DeviceFinding } from '../../src/core/device.js';
import { DeviceRegistry, type DeviceRecord } from '../../src/discovery/registry.js';
import { ScannerDirectory } from '../../src/gateway/scanner-directory.js';
import type { ScannerSnapshot } from '../../src/gateway/scanner-entry.js';
import { ScannerSettingsStore } from '../../src/gateway/scanner-settings-store.js';
import { FakeDriver, FLATBED_CAPS, silentLogger } from './fake-driver.js';

const finding = (name: string, url = `http://192.0.2.10/${name}/eSCL`): DeviceFinding => ({ key: `url:${url}`, source: 'static', protocol: 'escl', name, endpoints: [{ url }] });

let dataFolder: string;
beforeEach(async () => {
  dataFolder = await mkdtemp(join(tmpdir(), 'scan2mqtt-directory-'));
});
afterEach(() => rm(dataFolder, { recursive: true, force: true }));

/** A directory over a real registry and settings store; drivers are fakes made per record. */
async function rig(options: { busy?: Set<string>; makeDriver?: (record: DeviceRecord) => FakeDriver } = {}) {
  const registry = new DeviceRegistry();
  const settingsStore = new ScannerSettingsStore({ dataFolder, logger: silentLogger });
  await settingsStore.load();
  const drivers = new Map<string, FakeDriver>();
  const ended: string[] = [];
  const errors: unknown[] = [];
  const capabilitiesSeen: ScannerSnapshot[] = [];
  const busy = options.busy ?? new Set<string>();
  const directory = new ScannerDirectory({
    registry,
    createDriver: (record) => {
      const driver = options.makeDriver?.(record) ?? new FakeDriver();
      drivers.set(record.id, driver);
      return driver;
    },
    settingsStore,
    logger: silentLogger,
    polling: { idle_s: 60, busy_s: 1, offline_after_failures: 1 },
    discoverNow: async () => undefined,
    isBusy: (id) => busy.has(id),
    endJobs: async (id) => void ended.push(id),
    reportError: (_id, error) => void errors.push(error),
    onCapabilities: (scanner) => void capabilitiesSeen.push(scanner),
  });
  const events: string[] = [];
  for (const name of ['added', 'changed', 'availability', 'status', 'removed', 'released'] as const) {
    directory.on(name, (s) => void events.push(`${name}:${s.id}`));
  }
  directory.start();
  return { registry, settingsStore, directory, drivers, ended, errors, capabilitiesSeen, events, busy };
}

describe('scanner directory', () => {
  it('adopts a reported device, asks it what it can do and tells when it is online', async () => {
    const { registry, directory, events, capabilitiesSeen } = await rig();
    const record = registry.report(finding('office'));
    expect(directory.get(record.id)).toMatchObject({ id: record.id, online: false, url: 'http://192.0.2.10/office/eSCL' });
    await expect.poll(() => directory.get(record.id)?.online).toBe(true);
    expect(directory.get(record.id)).toMatchObject({ capabilitiesConfirmed: true, status: { state: 'idle' } });
    expect(capabilitiesSeen.map((s) => s.id)).toEqual([record.id]);
    expect(events).toEqual([`added:${record.id}`, `changed:${record.id}`, `availability:${record.id}`]);
    expect(directory.list().map((s) => s.view().name)).toEqual(['office']);
  });

  it('reachable waits for the first poll, and refuses an unreachable scanner with the reason the poll gave', async () => {
    const { registry, directory } = await rig({
      makeDriver: (r) => Object.assign(new FakeDriver(), r.name === 'gone' ? { failure: new ScanError('DeviceOffline', 'connect ECONNREFUSED') } : {}),
    });
    const up = registry.report(finding('office'));
    const down = registry.report(finding('gone'));
    await expect(directory.reachable(up.id)).resolves.toMatchObject({ id: up.id, online: true });
    await expect(directory.reachable(down.id)).rejects.toMatchObject({ code: 'DeviceOffline', message: `scanner ${down.id} is offline (last error: DeviceOffline: connect ECONNREFUSED)` });
    await expect(directory.reachable('ghost')).rejects.toMatchObject({ code: 'NotFound', message: 'no scanner with id "ghost"' });
  });

  it('renames a scanner and keeps the name for the next run; refuses a bad name', async () => {
    const { registry, directory, settingsStore, events } = await rig();
    const record = registry.report(finding('office'));
    expect(directory.rename(record.id, '  Front desk ').view().name).toBe('Front desk');
    expect(events).toContain(`changed:${record.id}`);
    expect(settingsStore.nameFor(record.key)).toBe('Front desk');
    expect(() => directory.rename(record.id, 'bad\u0007name')).toThrow(ScanError);
    expect(directory.get(record.id)?.record.name).toBe('Front desk');
  });

  it('removes a scanner: its jobs are ended before its driver is closed, and the registry forgets it', async () => {
    const { registry, directory, drivers, ended, events } = await rig();
    const record = registry.report(finding('office'));
    await expect.poll(() => directory.get(record.id)?.online).toBe(true);
    expect(directory.remove(record.id)).toBe(true);
    expect(ended).toEqual([record.id]);
    expect(events.at(-1)).toBe(`removed:${record.id}`);
    expect(directory.get(record.id)).toBeUndefined();
    expect(registry.list()).toEqual([]);
    await expect.poll(() => drivers.get(record.id)?.closed).toBe(true);
    expect(directory.remove(record.id)).toBe(false);
  });

  it('keeps the old driver when none can be made for the address a device moved to, and never throws into the registry', async () => {
    // Same host (so the same device), another port, for which the factory cannot make a driver.
    const unreachable = 'http://192.0.2.10:8443/eSCL';
    const { registry, directory, drivers, errors } = await rig({
      makeDriver: (record) => {
        if (record.endpoints[0]?.url === unreachable) throw new ScanError('InvalidRequest', 'no client can dial this address');
        return new FakeDriver();
      },
    });
    const first = { key: 'uuid:moving', source: 'mdns', protocol: 'escl', name: 'moving', endpoints: [{ url: 'http://192.0.2.10/eSCL' }] } satisfies DeviceFinding;
    const record = registry.report(first);
    await expect.poll(() => directory.get(record.id)?.online).toBe(true);
    const original = drivers.get(record.id)!;
    expect(() => registry.report({ ...first, endpoints: [{ url: unreachable }] })).not.toThrow();
    expect(() => registry.withdraw(first.key, 'mdns', 'http://192.0.2.10/eSCL')).not.toThrow();
    expect(directory.get(record.id)).toBeDefined();
    expect(original.closed).toBe(false);
    expect(errors.some((e) => e instanceof ScanError && /dial/.test(e.message))).toBe(true);
    expect(directory.list()).toHaveLength(1);
  });

  it('shows a status the device pushed at once, without a poll, and only for a scanner it holds online', async () => {
    const { registry, directory, drivers, events } = await rig();
    const record = registry.report(finding('office'));
    await expect.poll(() => directory.get(record.id)?.online).toBe(true);
    const polls = drivers.get(record.id)!.statusCalls;
    directory.applyPushedStatus(record.id, { state: 'processing', adf: 'loaded' });
    expect(directory.get(record.id)?.status).toEqual({ state: 'processing', adf: 'loaded' });
    expect(events.at(-1)).toBe(`status:${record.id}`);
    directory.applyPushedStatus(record.id, { state: 'processing', adf: 'loaded' });
    expect(events.filter((e) => e === `status:${record.id}`)).toHaveLength(1);
    expect(drivers.get(record.id)!.statusCalls).toBe(polls);
  });

  it('a device that said goodbye is offline at once', async () => {
    const { registry, directory, events } = await rig();
    const record = registry.report(finding('office'));
    await expect.poll(() => directory.get(record.id)?.online).toBe(true);
    registry.withdraw(record.key, 'static');
    expect(directory.get(record.id)?.online).toBe(false);
    expect(events.filter((e) => e.startsWith('availability'))).toHaveLength(2);
  });

  it('shutdown: no device is adopted after halt, and release shows every scanner offline and closes its driver', async () => {
    const { registry, directory, drivers, events } = await rig();
    const record = registry.report(finding('office'));
    await expect.poll(() => directory.get(record.id)?.online).toBe(true);
    directory.halt();
    await expect(directory.reachable(record.id)).rejects.toMatchObject({ code: 'Cancelled' });
    registry.report(finding('late'));
    expect(directory.list().map((s) => s.id)).toEqual([record.id]);
    await directory.release();
    expect(directory.get(record.id)?.released).toBe(true);
    expect(events.at(-1)).toBe(`released:${record.id}`);
    expect(drivers.get(record.id)?.closed).toBe(true);
  });

  it('a device whose driver cannot be made is reported, not adopted', async () => {
    const { registry, directory, errors } = await rig({
      makeDriver: () => {
        throw new ScanError('Unsupported', 'no driver for this protocol');
      },
    });
    registry.report(finding('odd'));
    expect(directory.list()).toEqual([]);
    expect(errors).toEqual([expect.objectContaining({ code: 'Unsupported' })]);
  });

  it('re-keys a hand-listed device by the UUID it tells, so an mDNS sighting of it merges into the same scanner', async () => {
    const { registry, directory } = await rig();
    const record = registry.report(finding('office'));
    await expect.poll(() => directory.get(record.id)?.online).toBe(true);
    const uuidKey = `uuid:${FLATBED_CAPS.uuid}`;
    expect(registry.getByKey(uuidKey)?.id).toBe(record.id);
    registry.report({ key: uuidKey, source: 'mdns', protocol: 'escl', name: 'Office MFP', endpoints: [{ url: 'http://192.0.2.10:8080/eSCL' }] });
    expect(registry.list().map((r) => r.id)).toEqual([record.id]);
    expect(directory.list().map((s) => s.id)).toEqual([record.id]);
  });

  it('builds a new driver when the device turns out to speak another protocol too, and when that one leaves', async () => {
    const made: DeviceRecord[] = [];
    const { registry, directory, drivers } = await rig({ makeDriver: (record) => (made.push(record), new FakeDriver()) });
    const escl = { key: 'uuid:combo', source: 'mdns', protocol: 'escl', name: 'combo', endpoints: [{ url: 'http://192.0.2.10/eSCL' }] } satisfies DeviceFinding;
    const record = registry.report(escl);
    await expect.poll(() => directory.get(record.id)?.online).toBe(true);
    const first = drivers.get(record.id)!;
    // Its WS-Scan service found later: same presented URL, but the driver must hear that protocol's events.
    registry.report({ key: 'uuid:combo', source: 'wsd', protocol: 'wsd', name: 'combo', endpoints: [{ url: 'http://192.0.2.10:5358/WSDScanner' }] });
    expect(made.at(-1)?.otherEndpoints).toEqual({ wsd: [{ url: 'http://192.0.2.10:5358/WSDScanner' }] });
    expect(directory.get(record.id)?.url).toBe('http://192.0.2.10/eSCL');
    expect(first.closed).toBe(true);
    registry.withdraw('uuid:combo', 'wsd', 'http://192.0.2.10:5358/WSDScanner');
    expect(made.at(-1)?.otherEndpoints).toBeUndefined();
    expect(made).toHaveLength(3);
  });

  it('keeps the key of a device found by mDNS whatever UUID its capabilities name', async () => {
    const { registry, directory } = await rig();
    const record = registry.report({ key: 'mdns:Office MFP', source: 'mdns', protocol: 'escl', name: 'office', endpoints: [{ url: 'http://192.0.2.10/eSCL' }] });
    await expect.poll(() => directory.get(record.id)?.online).toBe(true);
    expect(registry.get(record.id)?.key).toBe('mdns:Office MFP');
  });
});
