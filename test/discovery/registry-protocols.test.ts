/**
 * One device, several protocols (issue 10 item 4): eSCL and WSD sightings of one UUID at one
 * host are one record, scanned over eSCL unless `protocol_preference` names another, and
 * the record keeps the WSD endpoint for WS-Eventing; a hand-listed WSD URL rekeyed to its
 * UUID merges with the discovered sighting; the same UUID at another host stays apart.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceFinding } from '../../src/core/device.js';
import { endpointsFor } from '../../src/core/device-record.js';
import { DeviceRegistry } from '../../src/discovery/registry.js';
import { parseProtocolPreference } from '../../src/config/protocol-preference.js';

const UUID = '0ddba11-0000-4000-8000-000000000042'.padStart(36, '0');
const esclAt = (host: string): DeviceFinding => ({ key: `uuid:${UUID}`, source: 'mdns', protocol: 'escl', name: 'Combo MFP', endpoints: [{ url: `http://${host}:8080/eSCL/` }] });
const wsdAt = (host: string): DeviceFinding => ({ key: `uuid:${UUID}`, source: 'wsd', protocol: 'wsd', name: 'Combo MFP', serial: 'SN1', endpoints: [{ url: `http://${host}:5358/WSDScanner` }] });
const registry = (protocolFor?: (id: string) => string | undefined) => new DeviceRegistry({ protocolPreference: ['escl', 'wsd', 'sane'], ...(protocolFor ? { protocolFor } : {}) });

describe('a device speaking eSCL and WSD', () => {
  it('is one record scanned over eSCL, whichever sighting came first, with its WSD endpoint kept', () => {
    for (const order of [[esclAt('192.0.2.5'), wsdAt('192.0.2.5')], [wsdAt('192.0.2.5'), esclAt('192.0.2.5')]]) {
      const reg = registry();
      for (const finding of order) reg.report(finding);
      const [record, ...rest] = reg.list();
      expect(rest).toEqual([]);
      expect(record).toMatchObject({ protocol: 'escl', endpoints: [{ url: 'http://192.0.2.5:8080/eSCL/' }], serial: 'SN1' });
      expect(endpointsFor(record!, 'wsd')).toEqual([{ url: 'http://192.0.2.5:5358/WSDScanner' }]);
      expect(endpointsFor(record!, 'escl')).toEqual(record!.endpoints);
    }
  });

  it('is scanned over WSD when protocol_preference names it for that scanner, and over eSCL again when WSD says Bye', () => {
    const choice = parseProtocolPreference({ [UUID.replace(/-/g, '_')]: 'wsd' });
    const reg = registry((id) => choice[id]);
    reg.report(esclAt('192.0.2.5'));
    reg.report(wsdAt('192.0.2.5'));
    const record = reg.list()[0]!;
    expect(record.protocol).toBe('wsd');
    expect(record.otherEndpoints).toEqual({ escl: [{ url: 'http://192.0.2.5:8080/eSCL/' }] });
    reg.withdraw(`uuid:${UUID}`, 'wsd', 'http://192.0.2.5:5358/WSDScanner');
    expect(reg.list()[0]).toMatchObject({ protocol: 'escl', present: true });
    expect(reg.list()[0]!.otherEndpoints).toBeUndefined();
  });

  it('a device speaking one protocol has no otherEndpoints', () => {
    const reg = registry();
    reg.report(wsdAt('192.0.2.5'));
    expect(reg.list()[0]!.otherEndpoints).toBeUndefined();
    expect(endpointsFor(reg.list()[0]!, 'escl')).toEqual([]);
  });

  it('the same UUID at another address is another device (i8), not merged', () => {
    const reg = registry();
    reg.report(esclAt('192.0.2.5'));
    reg.report(wsdAt('192.0.2.99'));
    expect(reg.list().map((r) => r.protocol).sort()).toEqual(['escl', 'wsd']);
  });

  it('a hand-listed WSD URL that learnt its UUID merges with the discovered sighting of the same host', () => {
    const reg = registry();
    const listed = reg.report({ key: 'url:http://192.0.2.5:5358/WSDScanner', source: 'static', protocol: 'wsd', name: 'Office', endpoints: [{ url: 'http://192.0.2.5:5358/WSDScanner' }] });
    reg.report(wsdAt('192.0.2.5'));
    expect(reg.list()).toHaveLength(2);
    reg.rekey(listed.key, `uuid:${UUID}`);
    const [record, ...rest] = reg.list();
    expect(rest).toEqual([]);
    expect(record).toMatchObject({ id: listed.id, name: 'Office', protocol: 'wsd', sources: new Set(['static', 'wsd']) });
  });

  it('protocol_preference is checked: scanner ids and known protocol names only', () => {
    expect(() => parseProtocolPreference({ Office: 'wsd' })).toThrow(/not a scanner id/);
    expect(() => parseProtocolPreference({ office: 'ipp' })).toThrow(/escl, wsd, sane/);
    expect(() => parseProtocolPreference([])).toThrow(/object/);
    expect(parseProtocolPreference({})).toEqual({});
  });
});
