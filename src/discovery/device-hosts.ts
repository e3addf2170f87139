/**
 * Which host a sighting came from, so one identity key reported by two hosts (two devices
 * sharing a UUID: firmware bugs, cloned or anonymised configs) is never merged. Pure.
 */
import type { DeviceFinding } from '../core/device.js';

/** Scheme, optional userinfo, then a bracketed IPv6 literal or a plain host. */
const URL_HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i;

/**
 * The host identities of a finding: every endpoint's address (lower case, IPv6 without
 * brackets and zone) and the mDNS host name (without the trailing dot). The IPv4 and IPv6,
 * `_uscan` and `_uscans` sightings of one device share at least one of them.
 */
export function findingHosts(finding: Pick<DeviceFinding, 'endpoints' | 'hostName'>): Set<string> {
  const hosts = new Set<string>();
  for (const endpoint of finding.endpoints) {
    const host = urlHostIdentity(endpoint.url);
    if (host) hosts.add(host);
  }
  const name = finding.hostName?.trim().toLowerCase().replace(/\.+$/, '');
  if (name) hosts.add(name);
  return hosts;
}

/** The host part of an endpoint URL as an identity: `192.0.2.7`, `fe80::1`, `scanner.lan`. */
export function urlHostIdentity(url: string): string | undefined {
  const raw = URL_HOST.exec(url)?.[1];
  if (!raw) return undefined;
  const host = raw.replace(/^\[|\]$/g, '').replace(/%.*$/, '').toLowerCase();
  return host || undefined;
}

/** Whether two sets of host identities can be one device: they share a host, or one side knows none. */
export function sameHost(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === 0 || b.size === 0 || sharesHost(a, b);
}

/** Whether two sets of host identities have a host in common (proof of one device). */
export function sharesHost(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const host of a) if (b.has(host)) return true;
  return false;
}

/** The registry key for a second device under a taken identity key: the key plus the device's host. */
export function hostQualifiedKey(key: string, hosts: ReadonlySet<string>, finding?: Pick<DeviceFinding, 'hostName'>): string {
  const label = finding?.hostName?.trim().toLowerCase().replace(/\.+$/, '') || [...hosts][0] || 'unknown';
  return `${key}@${label}`;
}
