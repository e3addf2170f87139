/** Which interface an answer came in by: subnets (IPv4, IPv6) and zones. */
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { interfaceOf } from '../../src/doctor/address-interface.js';

const v4 = (address: string, netmask: string): NetworkInterfaceInfo => ({ address, netmask, family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: null });
const v6 = (address: string, netmask: string, scopeid: number): NetworkInterfaceInfo => ({ address, netmask, family: 'IPv6', mac: '00:00:00:00:00:00', internal: false, cidr: null, scopeid });
const interfaces = {
  eth0: [v4('192.0.2.2', '255.255.255.0'), v6('fd00::2', 'ffff:ffff:ffff:ffff::', 0), v6('fe80::1', 'ffff:ffff:ffff:ffff::', 2)],
  lan1: [v4('198.51.100.2', '255.255.255.192')],
};

describe('interfaceOf', () => {
  it('finds the IPv4 subnet, and only inside its mask', () => {
    expect(interfaceOf('192.0.2.77', interfaces)).toBe('eth0');
    expect(interfaceOf('198.51.100.63', interfaces)).toBe('lan1');
    expect(interfaceOf('198.51.100.64', interfaces)).toBe('?');
  });

  it('finds the IPv6 prefix, and takes a zone by name or index', () => {
    expect(interfaceOf('fd00::99', interfaces)).toBe('eth0');
    expect(interfaceOf('fe80::7%lan1', interfaces)).toBe('lan1');
    expect(interfaceOf('fe80::7%2', interfaces)).toBe('eth0');
  });

  it('says ? for what is no address', () => {
    for (const junk of ['', 'not an address', '300.1.1.1', '1.2.3', 'fd00:::1', 'g::1', '1:2:3:4:5:6:7:8:9']) expect(interfaceOf(junk, interfaces), junk).toBe('?');
  });
});
