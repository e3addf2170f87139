/**
 * The advertising host as seen on one link: its addresses on that interface only (a client
 * given another interface's address could not reach it), and whether a query came from
 * another link. Pure apart from the interface list passed in.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import { sameIPv4Subnet } from '../../discovery/mdns/link-zone.js';
import type { MdnsLink } from '../../discovery/mdns/mdns-links.js';

/** The addresses of one interface, by family. */
export interface LinkAddresses {
  ipv4: string[];
  ipv6: string[];
}

/** All addresses of the link's interface (IPv6 link-local included: macOS Image Capture needs an IPv6 address). */
export function linkAddresses(link: MdnsLink, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): LinkAddresses {
  const infos = interfaces[link.interfaceName] ?? [];
  return {
    ipv4: unique(infos.filter((i) => i.family === 'IPv4').map((i) => i.address)),
    ipv6: unique(infos.filter((i) => i.family === 'IPv6').map((i) => i.address)),
  };
}

/** The host part of URLs in TXT on this link: its IPv4 address when it has one, else the host name. */
export function urlHostOn(addresses: LinkAddresses, hostName: string): string {
  return addresses.ipv4[0] ?? hostName;
}

/**
 * True when `sender` (a query's source) clearly belongs to another link than `link`: Linux
 * hands every socket on 5353 the group's datagrams from all interfaces, and each link's
 * responder should answer only its own (RFC 6762 §11). An IPv6 sender carries its zone;
 * an IPv4 sender counts as foreign only when it lies in another interface's subnet and not
 * in this one's. In doubt, answer.
 */
export function isFromOtherLink(sender: string, link: MdnsLink, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): boolean {
  if (sender.includes(':')) {
    const zone = sender.split('%', 2)[1];
    if (zone === undefined) return false;
    const own = interfaces[link.interfaceName]?.find((i) => i.scopeid !== undefined && i.scopeid > 0)?.scopeid;
    return zone !== link.interfaceName && zone !== String(own);
  }
  const onLink = (infos: NetworkInterfaceInfo[] | undefined) =>
    (infos ?? []).some((i) => i.family === 'IPv4' && sameIPv4Subnet(i.address, sender, i.netmask));
  if (onLink(interfaces[link.interfaceName])) return false;
  return Object.entries(interfaces).some(([name, infos]) => name !== link.interfaceName && onLink(infos));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
