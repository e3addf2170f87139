/** Pure rules the device registry merges by: display names, endpoint order, id allocation. */
import type { ProtocolName } from '../core/capabilities.js';
import type { DeviceEndpoint, DeviceFinding, FindingSource } from '../core/device.js';

/** An endpoint as the registry keeps it: who reported it, for which protocol, and when. */
export interface SourcedEndpoint {
  endpoint: DeviceEndpoint;
  source: FindingSource;
  protocol: ProtocolName;
  /** Arrival order, the last tie-breaker so the order is stable. */
  seq: number;
}

/** A display name and how much to trust it; a record only ever moves to a higher rank. */
export interface RankedName {
  name: string;
  rank: number;
}

/** Avahi resolves instance-name conflicts by appending ` (2)` or ` #2`. */
const AVAHI_SUFFIX = /\s*(\(\d+\)|#\d+)\s*$/;

/**
 * Ranks a finding's name: the user's own (static config) first, then a plain name (for
 * mDNS that is `ty`), then make and model instead of an avahi-suffixed name, then the
 * suffixed name itself. Equal ranks keep the first name, so names do not flap.
 */
export function rankedName(finding: DeviceFinding): RankedName {
  const name = finding.name.trim();
  if (finding.source === 'static' && name) return { name, rank: 3 };
  if (name && !AVAHI_SUFFIX.test(name)) return { name, rank: 2 };
  const makeModel = [finding.manufacturer, finding.model].filter((s): s is string => !!s?.trim()).join(' ').trim();
  if (makeModel) return { name: makeModel, rank: 2 };
  if (name) return { name, rank: 1 };
  return { name: finding.key, rank: 0 };
}

/** Orders endpoints by preference: static config first, plain before TLS, IPv4 before IPv6, then arrival. */
export function compareEndpoints(a: SourcedEndpoint, b: SourcedEndpoint): number {
  return (
    Number(a.source !== 'static') - Number(b.source !== 'static') ||
    Number(isTls(a.endpoint.url)) - Number(isTls(b.endpoint.url)) ||
    Number(isIPv6Url(a.endpoint.url)) - Number(isIPv6Url(b.endpoint.url)) ||
    a.seq - b.seq
  );
}

function isTls(url: string): boolean {
  return /^https:/i.test(url);
}

function isIPv6Url(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?\[/i.test(url);
}

/**
 * The protocol a record presents: `chosen` (config `protocol_preference`) when its current
 * endpoints speak it, else of those they speak the first in `preference` (most preferred
 * first; the protocol modules' ranks), else the earliest seen.
 */
export function preferredProtocol(endpoints: readonly SourcedEndpoint[], fallback: ProtocolName, preference: readonly ProtocolName[], chosen?: ProtocolName): ProtocolName {
  // The user's choice for this device, while it is reachable that way.
  if (chosen !== undefined && endpoints.some((e) => e.protocol === chosen)) return chosen;
  const preferred = preference.find((p) => endpoints.some((e) => e.protocol === p));
  if (preferred !== undefined) return preferred;
  const earliest = [...endpoints].sort((a, b) => a.seq - b.seq)[0];
  return earliest?.protocol ?? fallback;
}

/** Public endpoint list: those of `protocol`, best first, each URL once. */
export function orderedEndpoints(endpoints: readonly SourcedEndpoint[], protocol: ProtocolName): DeviceEndpoint[] {
  const seen = new Set<string>();
  const result: DeviceEndpoint[] = [];
  for (const e of [...endpoints].filter((x) => x.protocol === protocol).sort(compareEndpoints)) {
    if (seen.has(e.endpoint.url)) continue;
    seen.add(e.endpoint.url);
    result.push({ ...e.endpoint });
  }
  return result;
}

/**
 * Ids for the keys that share one base id: sorted by key, the first gets the base, the
 * next `base_2`, … skipping ids other records hold. Depends only on the set of keys, so
 * it is the same whatever order the devices were seen in.
 */
export function allocateIds(base: string, keys: readonly string[], takenElsewhere: ReadonlySet<string>): Map<string, string> {
  const ids = new Map<string, string>();
  let n = 1;
  for (const key of [...keys].sort()) {
    let id = n === 1 ? base : `${base}_${n}`;
    while (takenElsewhere.has(id)) id = `${base}_${++n}`;
    ids.set(key, id);
    n++;
  }
  return ids;
}

/** The endpoints of every protocol but `protocol`, by protocol, best first; undefined when there are none. */
export function otherProtocolEndpoints(endpoints: readonly SourcedEndpoint[], protocol: ProtocolName): Partial<Record<ProtocolName, DeviceEndpoint[]>> | undefined {
  const others = [...new Set(endpoints.map((e) => e.protocol))].filter((p) => p !== protocol).sort();
  if (others.length === 0) return undefined;
  return Object.fromEntries(others.map((p) => [p, orderedEndpoints(endpoints, p)]));
}
