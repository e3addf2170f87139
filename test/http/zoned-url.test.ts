/**
 * Link-local IPv6 device URLs (RFC 6874 zones), which Node's URL refuses: parsed, and dialled on the
 * right interface. The dialling test needs root (it makes a network namespace).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseZonedUrl, socketZone, zonedOriginUrl } from '../../src/http/zoned-url.js';

describe('parseZonedUrl', () => {
  it('splits the zone off a link-local host, by name or index', () => {
    const named = parseZonedUrl('http://[fe80::1%25eth0]:8080/eSCL/');
    expect(named.zone).toBe('eth0');
    expect(named.url.href).toBe('http://[fe80::1]:8080/eSCL/');
    expect(parseZonedUrl('https://[FE80::2:3%2528]/x?y').zone).toBe('28');
  });

  it('leaves URLs without a zone as new URL reads them', () => {
    expect(parseZonedUrl('http://192.0.2.1/eSCL').zone).toBeUndefined();
    expect(parseZonedUrl('http://[2001:db8::1]:80/').url.host).toBe('[2001:db8::1]');
    expect(parseZonedUrl('http://[fe80::1%25]/').zone).toBeUndefined();
  });

  it('refuses hostile zones and non-URLs with a TypeError', () => {
    for (const bad of ['http://[fe80::1%25a%2Fb]/', 'http://[fe80::1%25%ZZ]/', `http://[fe80::1%25${'x'.repeat(40)}]/`, 'not a url', 'http://[fe80::1%25eth0/']) {
      expect(() => parseZonedUrl(bad), bad).toThrow(TypeError);
    }
  });

  it('puts the zone back into an origin', () => {
    const { url, zone } = parseZonedUrl('http://[fe80::1%25eth0]:8080/eSCL/');
    expect(zonedOriginUrl(url, zone)).toBe('http://[fe80::1%25eth0]:8080/');
    expect(zonedOriginUrl(new URL('http://192.0.2.1:80/a'), undefined)).toBe('http://192.0.2.1/');
  });
});

describe('socketZone', () => {
  const interfaces = () => ({ eth1: [{ address: 'fe80::9', family: 'IPv6', scopeid: 7, netmask: '', mac: '', internal: false, cidr: null }] }) as never;
  it('names the interface of a numeric zone (libuv resolves zones by name on Linux)', () => {
    expect(socketZone('7', interfaces)).toBe('eth1');
    expect(socketZone('eth0', interfaces)).toBe('eth0');
    expect(socketZone('99', interfaces)).toBe('99');
  });
});

describe('a device at a link-local address (root: network namespace)', () => {
  const ns = `s2m-zone-${randomBytes(3).toString('hex')}`;
  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['-n', ns, '-6', 'addr', 'add', 'fe80::5/64', 'dev', 'lo', 'nodad']);
  });
  afterAll(() => {
    execFileSync('ip', ['netns', 'del', ns]);
  });

  it('is reached by the eSCL driver through a zone given by name and by index; Host carries no zone', () => {
    const child = fileURLToPath(new URL('./netns/zoned-scan-child.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const out = execFileSync('ip', ['netns', 'exec', ns, tsx, child], { encoding: 'utf8', timeout: 60_000 });
    const result = JSON.parse(out.trim().split('\n').pop()!) as Record<string, { model?: string; status?: string; error?: string }> & { index: number; hosts: string[] };
    expect(result.index).toBeGreaterThan(0);
    expect(result.lo?.error).toBeUndefined();
    expect(result.lo?.model).toBeTruthy();
    expect(result[String(result.index)]).toEqual(result.lo);
    expect(result.hosts.length).toBeGreaterThan(0);
    for (const host of result.hosts) expect(host).toMatch(/^\[fe80::5\]:\d+$/);
  });
});
