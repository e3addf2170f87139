/** Who may use the frontend and where it listens: the token, its cookie, the ingress proxy, loopback without a token. */
import { describe, expect, it } from 'vitest';
import { checkAccess, ingressPathOf, listenPlan, plainAddress, TOKEN_COOKIE, type FrontendSettings } from '../../src/web/access.js';

const DEFAULTS: FrontendSettings = { enabled: true, port: 8088, host: '', auth_token: '', ingress_proxy: '' };
const settings = (patch: Partial<FrontendSettings>) => ({ ...DEFAULTS, ...patch });
const req = (headers: Record<string, string> = {}, remoteAddress = '192.0.2.10', queryToken: string | null = null) => ({ headers, remoteAddress, queryToken });

describe('listen address', () => {
  it('listens on 127.0.0.1 only by default and says why', () => {
    const plan = listenPlan(DEFAULTS);
    expect(plan.host).toBe('127.0.0.1');
    expect(plan.loopbackOnly?.message).toContain('127.0.0.1 only');
  });
  it('ignores a LAN host without a token, and names it in the message', () => {
    const plan = listenPlan(settings({ host: '0.0.0.0' }));
    expect(plan.host).toBe('127.0.0.1');
    expect(plan.loopbackOnly).toEqual({ asked: '0.0.0.0', message: expect.stringContaining('(not 0.0.0.0)') });
  });
  it('listens where asked (every address when empty) once a token or an ingress proxy guards it', () => {
    expect(listenPlan(settings({ auth_token: 't' }))).toEqual({ host: '0.0.0.0' });
    expect(listenPlan(settings({ auth_token: 't', host: '192.0.2.1' }))).toEqual({ host: '192.0.2.1' });
    expect(listenPlan(settings({ ingress_proxy: '172.30.32.2' }))).toEqual({ host: '0.0.0.0' });
  });
});

describe('access check', () => {
  it('lets everything in without a token (only loopback can reach it then)', () => {
    expect(checkAccess(DEFAULTS, req())).toEqual({ allowed: true, via: 'open' });
  });
  it('takes the token as a Bearer header, as the cookie, or once as ?token= which sets the cookie', () => {
    const s = settings({ auth_token: 's3cret' });
    expect(checkAccess(s, req({ authorization: 'Bearer s3cret' }))).toEqual({ allowed: true, via: 'token' });
    expect(checkAccess(s, req({ cookie: `a=b; ${TOKEN_COOKIE}=s3cret` }))).toEqual({ allowed: true, via: 'cookie' });
    const first = checkAccess(s, req({}, '192.0.2.10', 's3cret'));
    expect(first).toMatchObject({ allowed: true, via: 'token' });
    expect(first.allowed && first.setCookie).toMatch(/^scan2mqtt_token=s3cret; Path=\/; HttpOnly; SameSite=Strict$/);
  });
  it('refuses a missing, wrong, longer, shorter or differently cased token, and other auth schemes', () => {
    const s = settings({ auth_token: 's3cret' });
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: 'Bearer s3cret2' }, { authorization: 'Bearer s3cre' }, { authorization: 'Bearer S3CRET' }, { authorization: 'Basic czNjcmV0' }, { cookie: `${TOKEN_COOKIE}=nope` }, { cookie: `${TOKEN_COOKIE}=%E0%A4%A` }]) {
      expect(checkAccess(s, req(headers)), JSON.stringify(headers)).toEqual({ allowed: false });
    }
    expect(checkAccess(s, req({}, '192.0.2.10', ''))).toEqual({ allowed: false });
  });
  it('trusts exactly the ingress proxy address, also as an IPv4-mapped IPv6 peer, and reads its path prefix', () => {
    const s = settings({ auth_token: 's3cret', ingress_proxy: '172.30.32.2' });
    expect(checkAccess(s, req({ 'x-ingress-path': '/api/hassio_ingress/abc' }, '172.30.32.2'))).toEqual({ allowed: true, via: 'ingress', ingressPath: '/api/hassio_ingress/abc' });
    expect(checkAccess(s, req({}, '::ffff:172.30.32.2'))).toEqual({ allowed: true, via: 'ingress' });
    expect(checkAccess(s, req({ 'x-ingress-path': '/api/hassio_ingress/abc' }, '172.30.32.3'))).toEqual({ allowed: false });
  });
  it('with an ingress proxy and no token, refuses everyone else', () => {
    expect(checkAccess(settings({ ingress_proxy: '172.30.32.2' }), req({}, '127.0.0.1'))).toEqual({ allowed: false });
  });
  it('ignores a hostile ingress path (markup, traversal, a scheme, too long)', () => {
    for (const value of ['/x"><script>', '/a/../b', 'http://evil/', '//evil', `/${'a'.repeat(300)}`, '']) {
      expect(ingressPathOf({ 'x-ingress-path': value }), value).toBeUndefined();
    }
    expect(ingressPathOf({ 'x-ingress-path': '/api/hassio_ingress/k-Y_z/' })).toBe('/api/hassio_ingress/k-Y_z');
  });
  it('reads IPv4-mapped addresses as plain IPv4', () => {
    expect(plainAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(plainAddress('::1')).toBe('::1');
    expect(plainAddress(undefined)).toBe('');
  });
});
