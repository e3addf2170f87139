import { describe, expect, it } from 'vitest';
import type { DeviceFinding } from '../../src/core/device.js';
import { DeviceRegistry, type DeviceRecord, type RegistryEvents } from '../../src/discovery/registry.js';
import { findingsFromConfig } from '../../src/discovery/static/devices.js';
import { protocolPreference } from '../../src/protocols/driver-factory.js';
import { PROTOCOL_MODULES } from '../../src/protocols/index.js';

const UUID_KEY = 'uuid:e3248000-80ce-11db-8000-c0b5d7e62277';

/** An mDNS sighting; every answer of one device names its host (the SRV target), whatever the address. */
function mdnsFinding(url: string, name: string, extra: Partial<DeviceFinding> = {}): DeviceFinding {
  return {
    key: UUID_KEY,
    source: 'mdns',
    protocol: 'escl',
    name,
    hostName: 'BRN3C2AF4.local.',
    endpoints: [url.startsWith('https') ? { url, insecureTls: true } : { url }],
    ...extra,
  };
}

/** The four sightings of one device: `_uscan`/`_uscans` × IPv4/IPv6, one with an avahi-suffixed name. */
const SIGHTINGS: DeviceFinding[] = [
  mdnsFinding('https://[2001:db8::7]:443/eSCL/', 'Brother DCP-L2530DW series', { manufacturer: 'Brother', model: 'DCP-L2530DW series' }),
  mdnsFinding('http://192.0.2.7:80/eSCL/', 'Brother DCP-L2530DW series', { manufacturer: 'Brother', model: 'DCP-L2530DW series' }),
  mdnsFinding('https://192.0.2.7:443/eSCL/', 'Brother DCP-L2530DW (2)'),
  mdnsFinding('http://[2001:db8::7]:80/eSCL/', 'Brother DCP-L2530DW (2)', { manufacturer: 'Brother', model: 'DCP-L2530DW series' }),
];

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

function recordEvents(registry: DeviceRegistry): Array<[keyof RegistryEvents, DeviceRecord]> {
  const events: Array<[keyof RegistryEvents, DeviceRecord]> = [];
  for (const name of ['added', 'changed', 'lost', 'found-again', 'removed'] as const) {
    registry.on(name, (record) => events.push([name, record]));
  }
  return events;
}

describe('DeviceRegistry merging', () => {
  it('merges _uscan + _uscans + IPv4/IPv6 of one UUID into one record, in any order', () => {
    const outcomes = permutations(SIGHTINGS).map((order) => {
      const registry = new DeviceRegistry();
      const events = recordEvents(registry);
      for (const finding of order) registry.report(finding);
      expect(events.filter(([e]) => e === 'added')).toHaveLength(1);
      return registry.list();
    });
    expect(outcomes).toHaveLength(24);
    for (const records of outcomes) {
      expect(records).toHaveLength(1);
      expect(records[0]).toEqual(outcomes[0]?.[0]);
    }
    const record = outcomes[0]?.[0];
    expect(record?.id).toBe('e3248000_80ce_11db_8000_c0b5d7e62277');
    expect(record?.name).toBe('Brother DCP-L2530DW series');
    expect(record?.endpoints.map((e) => e.url)).toEqual([
      'http://192.0.2.7:80/eSCL/',
      'http://[2001:db8::7]:80/eSCL/',
      'https://192.0.2.7:443/eSCL/',
      'https://[2001:db8::7]:443/eSCL/',
    ]);
    expect(record?.endpoints[2]?.insecureTls).toBe(true);
  });

  it('prefers make and model over an avahi-suffixed name, and never takes a worse name back', () => {
    const registry = new DeviceRegistry();
    registry.report(mdnsFinding('http://192.0.2.7/eSCL/', 'Scanner #2'));
    expect(registry.list()[0]?.name).toBe('Scanner #2');
    registry.report(mdnsFinding('http://192.0.2.8/eSCL/', 'Scanner (3)', { manufacturer: 'Acme', model: 'S1' }));
    expect(registry.list()[0]?.name).toBe('Acme S1');
    registry.report(mdnsFinding('http://192.0.2.9/eSCL/', 'Something Else'));
    expect(registry.list()[0]?.name).toBe('Acme S1');
  });

  it('does not announce a change when a finding repeats', () => {
    const registry = new DeviceRegistry();
    const events = recordEvents(registry);
    for (let i = 0; i < 3; i++) for (const finding of SIGHTINGS) registry.report(finding);
    expect(events.map(([e]) => e)).toEqual(['added', 'changed', 'changed', 'changed']);
  });

  it('keeps the device through one goodbye, loses it after the last, and finds it again', () => {
    const registry = new DeviceRegistry();
    const events = recordEvents(registry);
    for (const finding of SIGHTINGS) registry.report(finding);
    events.length = 0;

    registry.withdraw(UUID_KEY, 'mdns', 'https://192.0.2.7:443/eSCL/');
    expect(events.map(([e]) => e)).toEqual(['changed']);
    expect(registry.getByKey(UUID_KEY)?.present).toBe(true);
    expect(registry.getByKey(UUID_KEY)?.endpoints).toHaveLength(3);

    registry.withdraw(UUID_KEY, 'mdns', 'http://not-an-endpoint/');
    registry.withdraw('uuid:unknown', 'mdns');
    expect(events).toHaveLength(1);

    registry.withdraw(UUID_KEY, 'mdns');
    expect(events.map(([e]) => e)).toEqual(['changed', 'lost']);
    const lost = registry.getByKey(UUID_KEY);
    expect(lost?.present).toBe(false);
    expect(lost?.endpoints).toEqual([]);
    expect(lost?.name).toBe('Brother DCP-L2530DW series');

    registry.report(SIGHTINGS[0] as DeviceFinding);
    expect(events.map(([e]) => e)).toEqual(['changed', 'lost', 'found-again']);
    expect(registry.get('e3248000_80ce_11db_8000_c0b5d7e62277')?.present).toBe(true);
  });

  it('hands out snapshots that cannot change the registry', () => {
    const registry = new DeviceRegistry();
    const record = registry.report(SIGHTINGS[1] as DeviceFinding);
    record.endpoints.length = 0;
    record.sources.add('static');
    expect(registry.getByKey(UUID_KEY)?.endpoints).toHaveLength(1);
    expect([...(registry.getByKey(UUID_KEY)?.sources ?? [])]).toEqual(['mdns']);
  });
});

describe('DeviceRegistry ids', () => {
  it('gives colliding keys numeric suffixes by key order, whatever the arrival order', () => {
    const a: DeviceFinding = { key: 'url:http://a-b/', source: 'static', protocol: 'wsd', name: 'A', endpoints: [{ url: 'http://a-b/' }] };
    const b: DeviceFinding = { ...a, key: 'url:http://a_b/', name: 'B', endpoints: [{ url: 'http://a_b/' }] };
    for (const order of [[a, b], [b, a]]) {
      const registry = new DeviceRegistry();
      for (const finding of order) registry.report(finding);
      expect(registry.getByKey(a.key)?.id).toBe('http_a_b');
      expect(registry.getByKey(b.key)?.id).toBe('http_a_b_2');
    }
  });

  it('re-announces a record whose id moves to make room for a smaller key', () => {
    const registry = new DeviceRegistry();
    const events = recordEvents(registry);
    registry.report({ key: 'url:http://a_b/', source: 'static', protocol: 'wsd', name: 'B', endpoints: [{ url: 'http://a_b/' }] });
    registry.report({ key: 'url:http://a-b/', source: 'static', protocol: 'wsd', name: 'A', endpoints: [{ url: 'http://a-b/' }] });
    expect(events.map(([e, r]) => `${e}:${r.id}`)).toEqual(['added:http_a_b', 'removed:http_a_b', 'added:http_a_b_2', 'added:http_a_b']);
  });

  it('uses the friendly name as id', () => {
    const registry = new DeviceRegistry();
    const [finding] = findingsFromConfig([{ name: 'Office', protocol: 'escl', url: 'http://192.0.2.7:8080/eSCL', friendly_name: 'Office Scanner' }], PROTOCOL_MODULES);
    expect(registry.report(finding as DeviceFinding).id).toBe('office_scanner');
  });

  it('forgets a removed device until it is reported again', () => {
    const registry = new DeviceRegistry();
    const events = recordEvents(registry);
    const { id } = registry.report(SIGHTINGS[0] as DeviceFinding);
    expect(registry.remove(id)).toBe(true);
    expect(registry.remove(id)).toBe(false);
    expect(registry.list()).toEqual([]);
    registry.report(SIGHTINGS[0] as DeviceFinding);
    expect(events.map(([e]) => e)).toEqual(['added', 'removed', 'added']);
    expect(registry.get(id)?.id).toBe(id);
  });
});

describe('DeviceRegistry rekey (hand-listed device learns its UUID)', () => {
  const config = [{ name: 'Office', protocol: 'escl' as const, url: 'http://192.0.2.7:80/eSCL', username: 'u', password: 'p' }];

  it('keeps the config-derived id and merges later mDNS sightings into it', () => {
    const registry = new DeviceRegistry();
    const [finding] = findingsFromConfig(config, PROTOCOL_MODULES);
    const { id, key } = registry.report(finding as DeviceFinding);
    expect(key).toBe('url:http://192.0.2.7/eSCL/');
    expect(id).toBe('http_192_0_2_7_escl');
    registry.rekey(key, UUID_KEY);
    for (const sighting of SIGHTINGS) registry.report(sighting);
    const records = registry.list();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ id, key: UUID_KEY, name: 'Office', credentials: { username: 'u', password: 'p' } });
    expect(records[0]?.endpoints[0]?.url).toBe('http://192.0.2.7/eSCL/');
    expect([...(records[0]?.sources ?? [])].sort()).toEqual(['mdns', 'static']);
    // A config reload reports the old key again: it still lands on the same record.
    registry.report(finding as DeviceFinding);
    expect(registry.list()).toHaveLength(1);
    expect(registry.getByKey(key)?.id).toBe(id);
  });

  it('absorbs a record mDNS had created first, keeping the hand-listed id', () => {
    const registry = new DeviceRegistry();
    const events = recordEvents(registry);
    for (const sighting of SIGHTINGS) registry.report(sighting);
    const [finding] = findingsFromConfig([{ ...config[0]!, friendly_name: 'desk' }], PROTOCOL_MODULES);
    const { key } = registry.report(finding as DeviceFinding);
    registry.rekey(key, UUID_KEY);
    expect(registry.list().map((r) => r.id)).toEqual(['desk']);
    expect(registry.getByKey(UUID_KEY)?.endpoints).toHaveLength(5);
    expect(events.filter(([e]) => e === 'removed').map(([, r]) => r.id)).toEqual(['e3248000_80ce_11db_8000_c0b5d7e62277']);
    expect(registry.rekey('url:unknown', UUID_KEY)).toBeUndefined();
  });
});

describe('DeviceRegistry protocols under one identity', () => {
  it('presents the eSCL endpoints when a device also answers WSD, and falls back when eSCL leaves', () => {
    const registry = new DeviceRegistry({ protocolPreference: protocolPreference(PROTOCOL_MODULES) });
    registry.report({ key: UUID_KEY, source: 'wsd', protocol: 'wsd', name: 'MFP', endpoints: [{ url: 'http://192.0.2.7:5358/wsd/scan' }] });
    registry.report(SIGHTINGS[1] as DeviceFinding);
    expect(registry.getByKey(UUID_KEY)).toMatchObject({ protocol: 'escl', endpoints: [{ url: 'http://192.0.2.7:80/eSCL/' }] });
    registry.withdraw(UUID_KEY, 'mdns');
    expect(registry.getByKey(UUID_KEY)).toMatchObject({ protocol: 'wsd', present: true, endpoints: [{ url: 'http://192.0.2.7:5358/wsd/scan' }] });
  });
});

describe('DeviceRegistry protocol preference', () => {
  it('without a preference presents the protocol seen first, and follows the given preference otherwise', () => {
    const wsd: DeviceFinding = { key: UUID_KEY, source: 'wsd', protocol: 'wsd', name: 'MFP', endpoints: [{ url: 'http://192.0.2.7:5358/wsd/scan' }] };
    const plain = new DeviceRegistry();
    plain.report(wsd);
    plain.report(SIGHTINGS[1] as DeviceFinding);
    expect(plain.getByKey(UUID_KEY)?.protocol).toBe('wsd');
    const ranked = new DeviceRegistry({ protocolPreference: ['wsd', 'escl'] });
    ranked.report(SIGHTINGS[1] as DeviceFinding);
    ranked.report(wsd);
    expect(ranked.getByKey(UUID_KEY)?.protocol).toBe('wsd');
  });
});

describe('DeviceRegistry own findings', () => {
  it("drops a finding the root calls the gateway's own (its eSCL advert) and keeps every other", () => {
    const own = 'uuid:0b7c9f3a-1111-4222-8333-944455556666';
    const registry = new DeviceRegistry({ isOwnFinding: (f) => f.key === own });
    const events = recordEvents(registry);
    const report = registry.discoveryReport();
    report.found(mdnsFinding('http://192.0.2.9:8090/eSCL/', 'Lab (shared)', { key: own, hostName: 'gw-scan2mqtt.local.' }));
    expect(registry.getByKey(own)).toBeUndefined();
    expect(events).toEqual([]);
    report.found(SIGHTINGS[1] as DeviceFinding);
    expect(registry.getByKey(UUID_KEY)?.name).toBe('Brother DCP-L2530DW series');
    expect(events.map(([name]) => name)).toEqual(['added']);
  });
});
