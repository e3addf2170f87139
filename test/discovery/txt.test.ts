import { describe, expect, it } from 'vitest';
import { ScanError } from '../../src/core/errors.js';
import { linkLocalZoneFor } from '../../src/discovery/mdns/link-zone.js';
import { esclServiceType, findingFromService, makeAndModel, MAX_ENDPOINT_ADDRESSES } from '../../src/protocols/escl/mdns/to-finding.js';
import { esclBaseUrl, esclResourcePath, MAX_TXT_ENTRIES, parseTxt, urlHost } from '../../src/protocols/escl/mdns/txt.js';
import { BROTHER_FIXTURE, readAvahiCapture } from './helpers.js';

describe('TXT records: the real Brother DCP-L2530DW capture', () => {
  const capture = readAvahiCapture(BROTHER_FIXTURE);

  it('parses every key of the capture, case-insensitively', () => {
    const txt = parseTxt(capture.txt);
    expect(txt.get('ty')).toBe('Brother DCP-L2530DW series');
    expect(txt.get('rs')).toBe('eSCL');
    expect(txt.get('uuid')).toBe('e3248000-80ce-11db-8000-c0b5d7e62277');
    expect(txt.get('vers')).toBe('2.63');
    expect(txt.get('cs')).toBe('binary,grayscale,color');
    expect(txt.get('note')).toBe('');
    expect(txt.has('UUID')).toBe(false);
  });

  it('becomes a finding keyed by UUID with the base URL from rs', () => {
    const finding = findingFromService({
      name: capture.name,
      type: capture.type,
      port: capture.port,
      addresses: [capture.address],
      host: 'thierry-Inspiron-5480.local',
      rawTxt: capture.txt.map((s) => Buffer.from(s)),
    });
    expect(finding).toEqual({
      hostName: 'thierry-Inspiron-5480.local',
      key: 'uuid:e3248000-80ce-11db-8000-c0b5d7e62277',
      source: 'mdns',
      protocol: 'escl',
      name: 'Brother DCP-L2530DW series',
      manufacturer: 'Brother',
      model: 'DCP-L2530DW series',
      adminUrl: 'http://127.0.0.1:60000/net/net/airprint.html',
      endpoints: [{ url: 'http://127.0.0.1:60000/eSCL/' }],
    });
  });
});

describe('TXT records: hostile input', () => {
  it('ignores keys without "=" and empty keys', () => {
    const txt = parseTxt(['duplex', '=orphan', 'rs=eSCL', '  =x']);
    expect([...txt.keys()]).toEqual(['rs']);
  });

  it('keeps the first of duplicate keys (RFC 6763 §6.4), whatever their case', () => {
    const txt = parseTxt(['RS=first', 'rs=second', 'Rs=third']);
    expect(txt.get('rs')).toBe('first');
  });

  it('drops oversized entries and caps the number of entries', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => `k${i}=v`);
    expect(parseTxt(many).size).toBe(MAX_TXT_ENTRIES);
    const huge = parseTxt([`ty=${'A'.repeat(100_000)}`, 'rs=ok']);
    expect(huge.has('ty')).toBe(false);
    expect(huge.get('rs')).toBe('ok');
  });

  it('decodes binary values without throwing', () => {
    const txt = parseTxt([Buffer.from([0x74, 0x79, 0x3d, 0xff, 0xfe, 0x00, 0x41]), Buffer.from('uuid=\u00e9')]);
    expect(txt.get('ty')).toBe('\ufffd\ufffd\u0000A');
    expect(txt.get('uuid')).toBe('\u00e9');
  });

  it('reads TXT wire data and stops at a truncated string', () => {
    const wire = Buffer.concat([Buffer.from([6]), Buffer.from('rs=abc'), Buffer.from([200]), Buffer.from('ty=short')]);
    expect([...parseTxt(wire)]).toEqual([['rs', 'abc']]);
  });

  it('accepts decoded objects and nothing at all', () => {
    expect(parseTxt({ RS: 'x', uuid: Buffer.from('U1'), n: 3, bad: { nested: true } })).toEqual(
      new Map([['rs', 'x'], ['uuid', 'U1'], ['n', '3']]),
    );
    expect(parseTxt(undefined).size).toBe(0);
    expect(parseTxt(null).size).toBe(0);
  });
});

describe('eSCL base URL', () => {
  it('applies the rs rules', () => {
    expect(esclResourcePath(parseTxt([]))).toBe('eSCL');
    expect(esclResourcePath(parseTxt(['rs=']))).toBe('');
    expect(esclResourcePath(parseTxt(['rs=/eSCL/']))).toBe('eSCL');
    expect(esclResourcePath(parseTxt(['rs=//a/b//']))).toBe('a/b');
  });

  it('builds root, nested and hostile paths', () => {
    const base = { secure: false, address: '192.0.2.7', port: 8080 };
    expect(esclBaseUrl({ ...base, resourcePath: '' })).toBe('http://192.0.2.7:8080/');
    expect(esclBaseUrl({ ...base, resourcePath: 'eSCL' })).toBe('http://192.0.2.7:8080/eSCL/');
    expect(esclBaseUrl({ ...base, resourcePath: 'airsane/0b1c' })).toBe('http://192.0.2.7:8080/airsane/0b1c/');
    const hostile = esclBaseUrl({ ...base, resourcePath: 'x?y#z@evil' });
    expect(new URL(hostile).host).toBe('192.0.2.7:8080');
    expect(new URL(hostile).search).toBe('');
  });

  it('brackets IPv6 and adds %25<zone> only to link-local addresses', () => {
    expect(urlHost('2001:db8::7')).toBe('[2001:db8::7]');
    expect(urlHost('2001:db8::7', '3')).toBe('[2001:db8::7]');
    expect(urlHost('fe80::1', '3')).toBe('[fe80::1%253]');
    expect(urlHost('fe80::1%eth0')).toBe('[fe80::1%25eth0]');
    expect(esclBaseUrl({ secure: true, address: 'fe80::1', port: 443, resourcePath: 'eSCL', zone: '2' })).toBe(
      'https://[fe80::1%252]:443/eSCL/',
    );
  });
});

describe('service → finding', () => {
  const service = { name: 'Office (2)', type: 'uscans', port: 443, rawTxt: ['UUID=urn:uuid:ABCD-1', 'ty=HP ENVY 5000', 'rs='] };

  it('keys by the lower-cased UUID and marks _uscans endpoints insecure, IPv4 first', () => {
    const finding = findingFromService({ ...service, addresses: ['fe80::9', '2001:db8::9', '192.0.2.9'] }, { linkLocalZone: '4' });
    expect(finding.key).toBe('uuid:abcd-1');
    expect(finding.name).toBe('HP ENVY 5000');
    expect(finding.endpoints).toEqual([
      { url: 'https://192.0.2.9:443/', insecureTls: true },
      { url: 'https://[fe80::9%254]:443/', insecureTls: true },
      { url: 'https://[2001:db8::9]:443/', insecureTls: true },
    ]);
  });

  it('drops link-local addresses it has no zone for and caps the address list', () => {
    const addresses = ['fe80::9', ...Array.from({ length: 50 }, (_, i) => `192.0.2.${i + 1}`)];
    const finding = findingFromService({ ...service, addresses });
    expect(finding.endpoints).toHaveLength(MAX_ENDPOINT_ADDRESSES);
    expect(finding.endpoints.some((e) => e.url.includes('fe80'))).toBe(false);
  });

  it('falls back to the instance name as key and name when TXT has no UUID or ty', () => {
    const finding = findingFromService({ name: 'Scanner', type: '_uscan._tcp', port: 80, referer: { address: '192.0.2.3' } });
    expect(finding.key).toBe('mdns:Scanner');
    expect(finding.name).toBe('Scanner');
    expect(finding.endpoints).toEqual([{ url: 'http://192.0.2.3:80/eSCL/' }]);
  });

  it('rejects unusable services with a ProtocolError', () => {
    const bad = [
      { name: 'x', type: 'ipp', port: 80, addresses: ['192.0.2.1'] },
      { name: 'x', type: 'uscan', port: 0, addresses: ['192.0.2.1'] },
      { name: 'x', type: 'uscan', port: 70_000, addresses: ['192.0.2.1'] },
      { name: 'x', type: 'uscan', port: 80, addresses: ['fe80::1'] },
    ];
    for (const s of bad) {
      expect(() => findingFromService(s)).toThrowError(ScanError);
    }
  });

  it('keeps only http(s) admin and icon URLs and strips control characters from names', () => {
    const finding = findingFromService({
      name: 'n',
      type: 'uscan',
      port: 80,
      addresses: ['192.0.2.1'],
      rawTxt: ['adminurl=javascript:alert(1)', 'representation=http://192.0.2.1/icon.png', 'ty=Acme\u0000\nX\t1', 'usb_SER=K123'],
    });
    expect(finding.adminUrl).toBeUndefined();
    expect(finding.iconUrl).toBe('http://192.0.2.1/icon.png');
    expect(finding.name).toBe('Acme X 1');
    expect(finding.serial).toBe('K123');
  });

  it('splits make and model, and names the service types', () => {
    expect(makeAndModel('Canon MG3600 series')).toEqual({ manufacturer: 'Canon', model: 'MG3600 series' });
    expect(makeAndModel('Scanner')).toEqual({ model: 'Scanner' });
    expect(makeAndModel('   ')).toEqual({});
    expect(esclServiceType('_uscans._tcp.local.')).toBe('uscans');
    expect(esclServiceType('uscan')).toBe('uscan');
    expect(esclServiceType('_ipp._tcp')).toBeUndefined();
  });

  it('finds the zone of the interface an answer arrived on', () => {
    const interfaces = {
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' as const, mac: '', internal: true, cidr: null }],
      eth0: [
        { address: '192.0.2.2', netmask: '255.255.255.0', family: 'IPv4' as const, mac: '', internal: false, cidr: null },
        { address: 'fe80::2', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6' as const, mac: '', internal: false, cidr: null, scopeid: 7 },
      ],
    };
    expect(linkLocalZoneFor('192.0.2.77', interfaces)).toBe('7');
    expect(linkLocalZoneFor('198.51.100.1', interfaces)).toBeUndefined();
    expect(linkLocalZoneFor('not an address', interfaces)).toBeUndefined();
  });
});
