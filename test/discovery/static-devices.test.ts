import { describe, expect, it } from 'vitest';
import { ScanError } from '../../src/core/errors.js';
import { findingsFromConfig as findingsWith, hostsFromConfig, parseDeviceConfig as parseWith, type DeviceConfigEntry } from '../../src/discovery/static/devices.js';
import { normaliseEsclUrl } from '../../src/protocols/escl/base-url.js';
import { PROTOCOL_MODULES } from '../../src/protocols/index.js';
import { findingForSanedDevice, sanedHostEntry } from '../../src/protocols/sane/discovery/host-entry.js';
import { parseSaneUrl } from '../../src/protocols/sane/sane-url.js';

/** The `devices` list read with the gateway's protocol modules. */
const parseDeviceConfig = (entries: readonly DeviceConfigEntry[]) => {
  const parsed = parseWith(entries, PROTOCOL_MODULES);
  return { ...parsed, sanedHosts: parsed.hosts.map((h) => sanedHostEntry(h.host)) };
};
const findingsFromConfig = (entries: readonly DeviceConfigEntry[]) => findingsWith(entries, PROTOCOL_MODULES);
const sanedHostsFromConfig = (entries: readonly DeviceConfigEntry[]) => hostsFromConfig(entries, PROTOCOL_MODULES).map((h) => sanedHostEntry(h.host));

/** The SCAN2MQTT_DEVICES example from CONTRACT.md. */
const CONTRACT_EXAMPLE: DeviceConfigEntry[] = JSON.parse(`[
  {"name": "Office", "protocol": "escl", "url": "http://192.0.2.7:8080/eSCL"},
  {"name": "Lide", "protocol": "sane", "url": "sane://192.0.2.9:6566/genesys:libusb:001:004"},
  {"name": "Brother", "protocol": "wsd", "url": "http://192.0.2.8:5358/wsd/scan"}]`) as DeviceConfigEntry[];

describe('static devices from config', () => {
  it('turns the CONTRACT example into three findings', () => {
    expect(findingsFromConfig(CONTRACT_EXAMPLE)).toEqual([
      { key: 'url:http://192.0.2.7:8080/eSCL/', source: 'static', protocol: 'escl', name: 'Office', endpoints: [{ url: 'http://192.0.2.7:8080/eSCL/' }] },
      {
        key: 'sane:192.0.2.9:6566:genesys:libusb:001:004',
        source: 'static',
        protocol: 'sane',
        name: 'Lide',
        endpoints: [{ url: 'sane://192.0.2.9:6566/genesys:libusb:001:004' }],
      },
      { key: 'url:http://192.0.2.8:5358/wsd/scan', source: 'static', protocol: 'wsd', name: 'Brother', endpoints: [{ url: 'http://192.0.2.8:5358/wsd/scan' }] },
    ]);
  });

  it('normalises eSCL base URLs to end in "/"', () => {
    expect(normaliseEsclUrl('http://h:8080/eSCL')).toBe('http://h:8080/eSCL/');
    expect(normaliseEsclUrl(' HTTP://H:80/eSCL/ ')).toBe('http://h/eSCL/');
    expect(normaliseEsclUrl('http://h')).toBe('http://h/');
    expect(normaliseEsclUrl('http://[2001:db8::1]:8080/a/b')).toBe('http://[2001:db8::1]:8080/a/b/');
  });

  it('carries credentials, friendly name and the TLS choice', () => {
    const [tls, strict] = findingsFromConfig([
      { name: 'A', protocol: 'escl', url: 'https://192.0.2.1/eSCL', username: 'me', password: 'pw', friendly_name: ' Attic ' },
      { name: 'B', protocol: 'escl', url: 'https://192.0.2.2/eSCL', insecure_tls: false },
    ]);
    expect(tls).toMatchObject({ credentials: { username: 'me', password: 'pw' }, friendlyName: 'Attic', endpoints: [{ url: 'https://192.0.2.1/eSCL/', insecureTls: true }] });
    expect(strict?.endpoints).toEqual([{ url: 'https://192.0.2.2/eSCL/', insecureTls: false }]);
  });

  it('leaves a saned host without device to the gateway', () => {
    const entries: DeviceConfigEntry[] = [{ name: 'Basement', protocol: 'sane', url: 'sane://[::1]', username: 'u', password: 'p', friendly_name: 'base' }];
    const parsed = parseDeviceConfig(entries);
    expect(parsed.findings).toEqual([]);
    expect(parsed.sanedHosts).toEqual([{ name: 'Basement', host: '::1', port: 6566, credentials: { username: 'u', password: 'p' }, friendlyName: 'base' }]);
    expect(sanedHostsFromConfig(entries)).toEqual(parsed.sanedHosts);
    const [host] = parsed.sanedHosts;
    expect(findingForSanedDevice(host!, 'test:0', { vendor: 'Noname', model: 'frontend-tester' })).toEqual({
      key: 'sane:::1:6566:test:0',
      source: 'static',
      protocol: 'sane',
      name: 'Basement test:0',
      manufacturer: 'Noname',
      model: 'frontend-tester',
      credentials: { username: 'u', password: 'p' },
      friendlyName: 'base test:0',
      endpoints: [{ url: 'sane://[::1]:6566/test:0' }],
    });
  });

  it('rejects bad entries with an InvalidRequest naming the entry', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ name: 'x', protocol: 'ipp', url: 'http://h/' }, /devices\[0\]\.protocol/],
      [{ name: '', protocol: 'escl', url: 'http://h/' }, /devices\[0\]\.name/],
      [{ name: 'x', protocol: 'escl', url: 'ftp://h/' }, /devices\[0\]\.url: must be http/],
      [{ name: 'x', protocol: 'escl', url: 'not a url' }, /devices\[0\]\.url: not a URL/],
      [{ name: 'x', protocol: 'escl', url: 'http://u:p@h/' }, /username\/password/],
      [{ name: 'x', protocol: 'escl', url: 'http://h/?q=1' }, /no query/],
      [{ name: 'x', protocol: 'escl', url: 42 }, /devices\[0\]\.url: must be a string/],
      [{ name: 'x', protocol: 'escl', url: 'http://h/', username: 7 }, /devices\[0\]\.username/],
      [{ name: 'x', protocol: 'sane', url: 'http://h/' }, /sane:\/\//],
      [null, /devices\[0\]: must be an object/],
    ];
    for (const [entry, message] of bad) {
      const parse = () => parseDeviceConfig([entry as DeviceConfigEntry]);
      expect(parse).toThrowError(ScanError);
      expect(parse).toThrowError(message);
    }
  });

  it('rejects the same scanner listed twice', () => {
    expect(() =>
      parseDeviceConfig([
        { name: 'a', protocol: 'escl', url: 'http://h:80/eSCL' },
        { name: 'b', protocol: 'escl', url: 'http://H/eSCL/' },
      ]),
    ).toThrowError(/devices\[1\]: the same scanner as devices\[0\]/);
  });
});

describe('parseSaneUrl', () => {
  it('reads host, default port and device', () => {
    expect(parseSaneUrl('sane://192.0.2.9:6566/genesys:libusb:001:004')).toEqual({ host: '192.0.2.9', port: 6566, device: 'genesys:libusb:001:004' });
    expect(parseSaneUrl('sane://Scanner.LAN')).toEqual({ host: 'scanner.lan', port: 6566 });
    expect(parseSaneUrl('sane://h:16566/')).toEqual({ host: 'h', port: 16566 });
    expect(parseSaneUrl('sane://[2001:db8::9]:7/test%3A1')).toEqual({ host: '2001:db8::9', port: 7, device: 'test:1' });
    expect(parseSaneUrl('sane://h/a%20b')).toEqual({ host: 'h', port: 6566, device: 'a b' });
  });

  it('rejects what is not a saned address', () => {
    for (const bad of ['', 'sane://', 'sane://h:0/x', 'sane://h:99999', 'http://h/x', 'sane://u:p@h/x', 'sane://h/x?y', 'sane://h/%zz', `sane://h/${'d'.repeat(300)}`, 'sane://h/a%0Ab']) {
      expect(() => parseSaneUrl(bad), bad).toThrowError(ScanError);
    }
  });
});
