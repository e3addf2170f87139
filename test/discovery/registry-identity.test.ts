/**
 * One identity key (a UUID) reported from different hosts: firmware bugs and cloned or
 * anonymised configs make two devices share a UUID. They must stay two records, each with
 * its own endpoints and id, while the sightings of one device (IPv4/IPv6, `_uscan`/`_uscans`,
 * a hand-listed URL and its mDNS announcement) still merge.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceFinding } from '../../src/core/device.js';
import { findingHosts, urlHostIdentity } from '../../src/discovery/device-hosts.js';
import { findingFromService, MAX_HOST_NAME_LENGTH } from '../../src/protocols/escl/mdns/to-finding.js';
import { DeviceRegistry } from '../../src/discovery/registry.js';
import { findingsFromConfig } from '../../src/discovery/static/devices.js';
import { PROTOCOL_MODULES } from '../../src/protocols/index.js';
import { capturingLogger } from './helpers.js';

/** The UUID that brother-ds-940dw.xml and brother-mfc-l8690cdw.xml both carry. */
const SHARED_KEY = 'uuid:00000000-0000-1000-8000-0018d7024a10';

function sighting(url: string, hostName: string, name: string): DeviceFinding {
  return { key: SHARED_KEY, source: 'mdns', protocol: 'escl', name, hostName, endpoints: [{ url }] };
}

const A = [
  sighting('http://192.0.2.10:80/eSCL/', 'ds-940dw.local', 'DS-940DW'),
  sighting('http://[fe80::10%252]:80/eSCL/', 'DS-940DW.local.', 'DS-940DW'),
  sighting('https://192.0.2.10:443/eSCL/', 'ds-940dw.local', 'DS-940DW'),
];
const B = [
  sighting('http://192.0.2.20:80/eSCL/', 'mfc-l8690cdw.local', 'Brother MFC-L8690CDW series'),
  sighting('http://[fe80::20%252]:80/eSCL/', 'mfc-l8690cdw.local', 'Brother MFC-L8690CDW series'),
];

const urls = (registry: DeviceRegistry, name: string) => registry.list().find((r) => r.name === name)?.endpoints.map((e) => e.url).sort();

describe('DeviceRegistry: one UUID, two devices', () => {
  it('keeps two mDNS devices apart and merges each one\'s own sightings, in any interleaving', () => {
    for (const order of [[...A, ...B], [...B, ...A], [A[0], B[0], A[1], B[1], A[2]]]) {
      const { logger, lines } = capturingLogger();
      const registry = new DeviceRegistry({ logger });
      for (const finding of order) registry.report(finding as DeviceFinding);
      const records = registry.list();
      expect(records).toHaveLength(2);
      expect(new Set(records.map((r) => r.id)).size).toBe(2);
      expect(urls(registry, 'DS-940DW')).toEqual(['http://192.0.2.10:80/eSCL/', 'http://[fe80::10%252]:80/eSCL/', 'https://192.0.2.10:443/eSCL/']);
      expect(urls(registry, 'Brother MFC-L8690CDW series')).toEqual(['http://192.0.2.20:80/eSCL/', 'http://[fe80::20%252]:80/eSCL/']);
      expect(lines.filter((l) => l.level === 40 && String(l.msg).includes('same identity'))).toHaveLength(1);
    }
  });

  it('withdraws a goodbye from the device that sent it only', () => {
    const registry = new DeviceRegistry();
    for (const finding of [...A, ...B]) registry.report(finding);
    registry.withdraw(SHARED_KEY, 'mdns', 'http://192.0.2.20:80/eSCL/');
    registry.withdraw(SHARED_KEY, 'mdns', 'http://[fe80::20%252]:80/eSCL/');
    expect(registry.list().find((r) => r.name === 'Brother MFC-L8690CDW series')?.present).toBe(false);
    expect(registry.list().find((r) => r.name === 'DS-940DW')?.present).toBe(true);
    // It comes back: the same record again, not a third one.
    registry.report(B[0] as DeviceFinding);
    expect(registry.list()).toHaveLength(2);
  });

  it('does not merge two hand-listed devices whose UUIDs turn out equal', () => {
    const registry = new DeviceRegistry();
    const findings = findingsFromConfig([
      { name: 'Sheetfed', protocol: 'escl', url: 'http://127.0.0.2:8080/eSCL' },
      { name: 'MFP', protocol: 'escl', url: 'http://127.0.0.3:8080/eSCL' },
    ], PROTOCOL_MODULES);
    const [a, b] = findings.map((f) => registry.report(f));
    registry.rekey(a!.key, SHARED_KEY);
    registry.rekey(b!.key, SHARED_KEY);
    const records = registry.list();
    expect(records.map((r) => [r.id, r.endpoints.map((e) => e.url)])).toEqual([
      [a!.id, ['http://127.0.0.2:8080/eSCL/']],
      [b!.id, ['http://127.0.0.3:8080/eSCL/']],
    ]);
    // A config reload reports the old keys again: each lands on its own record.
    for (const f of findings) registry.report(f);
    expect(registry.list()).toHaveLength(2);
    // mDNS sightings of each go to the right one.
    registry.report(sighting('http://127.0.0.3:8080/eSCL/', 'mfp.local', 'MFP'));
    registry.report(sighting('https://127.0.0.3:8443/eSCL/', 'mfp.local', 'MFP'));
    expect(registry.get(b!.id)?.endpoints.map((e) => e.url)).toEqual(['http://127.0.0.3:8080/eSCL/', 'https://127.0.0.3:8443/eSCL/']);
    expect(registry.get(a!.id)?.endpoints).toHaveLength(1);
  });

  it('still merges a hand-listed device with the mDNS record of the same address', () => {
    const registry = new DeviceRegistry();
    registry.report(sighting('http://192.0.2.20:80/eSCL/', 'mfc.local', 'MFC'));
    const [finding] = findingsFromConfig([{ name: 'Office', protocol: 'escl', url: 'http://192.0.2.20/eSCL', friendly_name: 'office' }], PROTOCOL_MODULES);
    const { key } = registry.report(finding as DeviceFinding);
    registry.rekey(key, SHARED_KEY);
    expect(registry.list().map((r) => r.id)).toEqual(['office']);
  });
});

describe('host identities of a finding', () => {
  it('reads addresses from every URL form and ignores what is not one', () => {
    expect(findingHosts({ endpoints: [{ url: 'http://192.0.2.7:80/eSCL/' }, { url: 'https://[FE80::1%252]:443/' }, { url: 'sane://Scanner.LAN:6566/test:0' }], hostName: 'Dev.local.' })).toEqual(
      new Set(['192.0.2.7', 'fe80::1', 'scanner.lan', 'dev.local']),
    );
    expect(urlHostIdentity('http://user:pw@192.0.2.7/')).toBe('192.0.2.7');
    for (const junk of ['', 'not a url', 'http://', 'http://[/', '://x']) expect(urlHostIdentity(junk)).toBeUndefined();
  });

  it('keeps a hostile host name to a DNS name\'s length', () => {
    const finding = findingFromService({ name: 'x', type: '_uscan._tcp', port: 80, addresses: ['192.0.2.7'], host: `${'a'.repeat(5000)}.local` });
    expect(finding.hostName).toHaveLength(MAX_HOST_NAME_LENGTH);
  });
});
