/**
 * Who may use the frontend and where it listens (issue 15): scans are private documents, so
 * without a token it listens on loopback only; with one every request must carry it; requests
 * from exactly the configured Home Assistant ingress proxy are trusted (HA authenticated them).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The frontend's settings (config `frontend.*`); empty strings are unset. */
export interface FrontendSettings {
  enabled: boolean;
  port: number;
  host: string;
  auth_token: string;
  ingress_proxy: string;
}

/** The only address used when nobody could be asked for a token. */
export const LOOPBACK_HOST = '127.0.0.1';
/** Where an empty `frontend.host` listens once access is guarded. */
export const ALL_ADDRESSES = '0.0.0.0';
/** The cookie a `?token=` visit sets, so the page's own requests (and EventSource) carry it. */
export const TOKEN_COOKIE = 'scan2mqtt_token';
/** Home Assistant's header naming the path prefix the page is served under. */
export const INGRESS_PATH_HEADER = 'x-ingress-path';
/** An ingress prefix is a plain path; anything else (quotes, `..`, a scheme) is ignored. */
const INGRESS_PATH = /^\/[A-Za-z0-9_\-/.]{0,200}$/;

/** Where to listen, and what to tell the user about it. */
export interface ListenPlan {
  host: string;
  /** Set without a token: the frontend is loopback-only, and the log says so (a warning when another host was asked for). */
  loopbackOnly?: { asked: string; message: string };
}

/** Decides the listen address from the settings. */
export function listenPlan(settings: FrontendSettings): ListenPlan {
  if (settings.auth_token === '' && settings.ingress_proxy === '') {
    const asked = settings.host;
    const because = asked === '' || asked === LOOPBACK_HOST ? '' : ` (not ${asked})`;
    return { host: LOOPBACK_HOST, loopbackOnly: { asked, message: `frontend.auth_token is not set: the web frontend listens on ${LOOPBACK_HOST} only${because}; set a token to reach it from the network` } };
  }
  return { host: settings.host === '' ? ALL_ADDRESSES : settings.host };
}

/** What the access check decided for one request. */
export type AccessDecision =
  | { allowed: false }
  | { allowed: true; via: 'open' | 'token' | 'cookie' | 'ingress'; ingressPath?: string; setCookie?: string };

/** The parts of a request the check reads. */
export interface AccessRequest {
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  /** The `token` query parameter, if any. */
  queryToken: string | null;
}

/** An IPv4 peer on a dual-stack socket shows as `::ffff:a.b.c.d`. */
export function plainAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
/** Compares in constant time (hashes first, so lengths do not leak either). */
function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function cookieToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === TOKEN_COOKIE) {
      try {
        return decodeURIComponent(rest.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The ingress prefix from the header, when it is a plain path. */
export function ingressPathOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headers[INGRESS_PATH_HEADER];
  const text = Array.isArray(value) ? value[0] : value;
  // `//host` would make the page's <base> point at another site; `..` would climb out of the prefix.
  if (!text || !INGRESS_PATH.test(text) || text.includes('//') || text.split('/').includes('..')) return undefined;
  return text.replace(/\/+$/, '');
}

/** Decides whether one request may be served. */
export function checkAccess(settings: FrontendSettings, request: AccessRequest): AccessDecision {
  const peer = plainAddress(request.remoteAddress);
  if (settings.ingress_proxy !== '' && peer === plainAddress(settings.ingress_proxy)) {
    const ingressPath = ingressPathOf(request.headers);
    return { allowed: true, via: 'ingress', ...(ingressPath !== undefined ? { ingressPath } : {}) };
  }
  const token = settings.auth_token;
  if (token === '') return settings.ingress_proxy === '' ? { allowed: true, via: 'open' } : { allowed: false };
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ') && sameToken(authorization.slice('Bearer '.length).trim(), token)) return { allowed: true, via: 'token' };
  const fromCookie = cookieToken(request.headers.cookie);
  if (fromCookie !== undefined && sameToken(fromCookie, token)) return { allowed: true, via: 'cookie' };
  if (request.queryToken !== null && sameToken(request.queryToken, token)) {
    // HttpOnly: page scripts never see it; Strict: another site's page cannot make the browser send it.
    return { allowed: true, via: 'token', setCookie: `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict` };
  }
  return { allowed: false };
}
