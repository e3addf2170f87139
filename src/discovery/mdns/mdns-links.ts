/**
 * The network links mDNS runs on: one per (interface, IP family) that can carry multicast.
 * Queries go out of each link itself, so a host without a default route, or with several
 * interfaces (Docker, HA OS, an IoT VLAN), browses every network it is on. Pure apart from
 * the default readers of the interface list and flags.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import type { MdnsSocketOptions } from './mdns-socket.js';

/** The mDNS IPv6 group (RFC 6762 §3); joined per interface, sent to with the interface as scope. */
export const MDNS_IPV6_GROUP = 'ff02::fb';
/** `IFF_UP` and `IFF_MULTICAST` of Linux's `/sys/class/net/<if>/flags`. */
const IFF_UP = 0x1;
const IFF_MULTICAST = 0x1000;

/** One interface and family to join the mDNS group on and send queries from. */
export interface MdnsLink {
  /** Stable while the interface keeps its address: `eth0/IPv4/192.0.2.2`, `eth0/IPv6`. */
  id: string;
  interfaceName: string;
  family: 'IPv4' | 'IPv6';
  /** How to open the socket (port left to the caller). */
  socket: MdnsSocketOptions;
}

/** Where the interface list comes from; tests and other platforms give their own. */
export interface LinkSources {
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /** The interface's flags, or undefined where the platform does not say (then: not internal = usable). */
  flags?: (interfaceName: string) => number | undefined;
}

/**
 * The links to browse on. `restrictTo` (config `discovery.mdns_interface`) keeps one
 * interface: by name (both families) or by one of its addresses (that family only); a
 * named interface is used even if it does not say it can multicast (loopback in tests).
 */
export function listMdnsLinks(restrictTo: string | undefined, sources: LinkSources = {}): MdnsLink[] {
  const interfaces = (sources.interfaces ?? networkInterfaces)();
  const flagsOf = sources.flags ?? linuxInterfaceFlags;
  const wanted = restrictTo?.trim().toLowerCase().replace(/^\[|\]$/g, '') || undefined;
  const links: MdnsLink[] = [];
  for (const [name, infos] of Object.entries(interfaces)) {
    if (!infos || infos.length === 0) continue;
    const byName = wanted !== undefined && name.toLowerCase() === wanted;
    const byAddress = wanted !== undefined && infos.find((i) => i.address.toLowerCase() === wanted);
    if (wanted !== undefined && !byName && !byAddress) continue;
    if (wanted === undefined && !canMulticast(infos, flagsOf(name))) continue;
    const ipv4 = infos.find((i) => i.family === 'IPv4');
    const ipv6 = infos.find((i) => i.family === 'IPv6' && isLinkLocal(i.address)) ?? infos.find((i) => i.family === 'IPv6');
    const families = byAddress ? [byAddress.family] : ['IPv4', 'IPv6'];
    if (ipv4 && families.includes('IPv4')) {
      links.push({ id: `${name}/IPv4/${ipv4.address}`, interfaceName: name, family: 'IPv4', socket: { interface: ipv4.address, bind: '0.0.0.0' } });
    }
    if (ipv6 && families.includes('IPv6')) {
      const scoped = `::%${name}`;
      links.push({ id: `${name}/IPv6`, interfaceName: name, family: 'IPv6', socket: { type: 'udp6', ip: MDNS_IPV6_GROUP, interface: scoped, bind: '::' } });
    }
  }
  return links;
}

function canMulticast(infos: readonly NetworkInterfaceInfo[], flags: number | undefined): boolean {
  if (flags === undefined) return infos.some((i) => !i.internal);
  return (flags & IFF_UP) !== 0 && (flags & IFF_MULTICAST) !== 0;
}

function isLinkLocal(address: string): boolean {
  return /^fe[89ab]/i.test(address);
}

/** Linux interface flags from sysfs; undefined elsewhere or for a name that is not a plain interface name. */
export function linuxInterfaceFlags(interfaceName: string): number | undefined {
  if (!/^[\w.@-]{1,15}$/.test(interfaceName)) return undefined;
  try {
    const flags = Number.parseInt(readFileSync(`/sys/class/net/${interfaceName}/flags`, 'utf8').trim(), 16);
    return Number.isFinite(flags) ? flags : undefined;
  } catch {
    return undefined;
  }
}

/** The interface index (`scopeid`) of an interface name, for link-local zones in URLs. */
export function interfaceIndex(interfaceName: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string | undefined {
  const scoped = interfaces[interfaceName]?.find((i) => i.family === 'IPv6' && i.scopeid !== undefined && i.scopeid > 0);
  return scoped ? String(scoped.scopeid) : undefined;
}

/** What to do with a map of per-link state when the interface list is read again. */
export interface LinkChanges<T> {
  /** A link whose interface (or address) went away; already removed from the map. */
  gone(id: string, state: T): void;
  /** A link not in the map yet; the caller adds its state. */
  added(link: MdnsLink): void;
}

/**
 * Reads the links again and reconciles `known` (keyed by link id) with them: the mDNS browser and
 * the DNS-SD advertiser both follow interfaces this way. Throws when the interfaces cannot be listed.
 */
export function reconcileLinks<T>(known: Map<string, T>, restrictTo: string | undefined, sources: LinkSources | undefined, changes: LinkChanges<T>): void {
  const current = listMdnsLinks(restrictTo, sources);
  const ids = new Set(current.map((l) => l.id));
  for (const [id, state] of known) {
    if (ids.has(id)) continue;
    known.delete(id);
    changes.gone(id, state);
  }
  for (const link of current) if (!known.has(link.id)) changes.added(link);
}
