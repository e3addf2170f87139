/** `_sane-port._tcp` answers → the saned host to list: real avahi answer shapes and hostile ones. */
import { describe, expect, it } from 'vitest';
import { sanedHostFromService } from '../../src/protocols/sane/discovery/saned-service.js';

const base = { name: 'saned on labhost', type: 'sane-port', port: 6566 };

describe('saned host from a _sane-port._tcp service', () => {
  it('dials the IPv4 address of avahi\'s IPv4 answer (A and AAAA records)', () => {
    expect(sanedHostFromService({ ...base, addresses: ['fe80::1', '192.0.2.1'], host: 'labhost.local', referer: { address: '192.0.2.1' } })).toEqual({ name: 'saned on labhost', host: '192.0.2.1', port: 6566 });
  });

  it('dials a global IPv6 address, never a link-local one or a .local name', () => {
    expect(sanedHostFromService({ ...base, addresses: ['fe80::1', '2001:db8::1'] })?.host).toBe('2001:db8::1');
    // avahi's IPv6 answer: AAAA (link-local) only; left to the IPv4 answer.
    expect(sanedHostFromService({ ...base, addresses: ['fe80::1'], host: 'labhost.local', referer: { address: 'fe80::1%eth0' } })).toBeUndefined();
    expect(sanedHostFromService({ ...base, addresses: [], referer: { address: '192.0.2.9' } })?.host).toBe('192.0.2.9');
  });

  it('refuses bad ports and cleans hostile names', () => {
    for (const port of [0, -1, 65536, 1.5, Number.NaN]) expect(sanedHostFromService({ ...base, port, addresses: ['192.0.2.1'] })).toBeUndefined();
    const host = sanedHostFromService({ ...base, name: `evil\u0000\n${'x'.repeat(500)}`, addresses: ['x'.repeat(100), '192.0.2.1'] });
    expect(host?.host).toBe('192.0.2.1');
    expect(host?.name).toMatch(/^evil {2}x+$/);
    expect(host?.name.length).toBeLessThanOrEqual(63);
    expect(sanedHostFromService({ ...base, name: '', addresses: ['192.0.2.1'] })?.name).toBe('192.0.2.1');
  });
});
