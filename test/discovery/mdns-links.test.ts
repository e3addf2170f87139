/** Which links mDNS browses on: every multicast-capable interface by default, or the one configured. */
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { linuxInterfaceFlags, listMdnsLinks } from '../../src/discovery/mdns/mdns-links.js';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({ address, netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: `${address}/24` });
const v6 = (address: string, scopeid: number, internal = false): NetworkInterfaceInfo => ({ address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '00:00:00:00:00:00', internal, cidr: `${address}/64`, scopeid });

/** A Docker/HA OS-like host: loopback, a LAN, an IoT VLAN, a docker bridge that is down. */
const HOST = {
  lo: [v4('127.0.0.1', true), v6('::1', 0, true)],
  eth0: [v4('192.0.2.2'), v6('2001:db8::2', 0), v6('fe80::2', 2)],
  'eth0.20': [v4('198.51.100.2'), v6('fe80::3', 3)],
  docker0: [v4('172.17.0.1')],
};
const FLAGS: Record<string, number> = { lo: 0x9, eth0: 0x1003, 'eth0.20': 0x1003, docker0: 0x1002 };
const sources = { interfaces: () => HOST, flags: (name: string) => FLAGS[name] };

describe('mDNS links', () => {
  it('by default: IPv4 and IPv6 of every interface that is up and can multicast', () => {
    const links = listMdnsLinks(undefined, sources);
    expect(links.map((l) => l.id)).toEqual(['eth0/IPv4/192.0.2.2', 'eth0/IPv6', 'eth0.20/IPv4/198.51.100.2', 'eth0.20/IPv6']);
    expect(links[0]?.socket).toEqual({ interface: '192.0.2.2', bind: '0.0.0.0' });
    expect(links[1]?.socket).toEqual({ type: 'udp6', ip: 'ff02::fb', interface: '::%eth0', bind: '::' });
  });

  it('without interface flags (not Linux): every interface that is not internal', () => {
    expect(listMdnsLinks(undefined, { interfaces: () => HOST, flags: () => undefined }).map((l) => l.interfaceName)).toEqual(['eth0', 'eth0', 'eth0.20', 'eth0.20', 'docker0']);
  });

  it('restricted: by name both families, by address that family only, loopback included when named', () => {
    expect(listMdnsLinks('eth0.20', sources).map((l) => l.id)).toEqual(['eth0.20/IPv4/198.51.100.2', 'eth0.20/IPv6']);
    expect(listMdnsLinks('192.0.2.2', sources).map((l) => l.id)).toEqual(['eth0/IPv4/192.0.2.2']);
    expect(listMdnsLinks('fe80::3', sources).map((l) => l.id)).toEqual(['eth0.20/IPv6']);
    expect(listMdnsLinks('127.0.0.1', sources).map((l) => l.id)).toEqual(['lo/IPv4/127.0.0.1']);
    expect(listMdnsLinks('wlan9', sources)).toEqual([]);
  });

  it('reads no file for a name that is not an interface name', () => {
    for (const name of ['../../etc/passwd', 'a/b', '', 'x'.repeat(16)]) expect(linuxInterfaceFlags(name)).toBeUndefined();
    expect(linuxInterfaceFlags('lo')).toEqual(expect.any(Number));
  });
});
