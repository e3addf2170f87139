/** The interface a link-local IPv6 address in an mDNS answer belongs to. Pure. */
import type { NetworkInterfaceInfo } from 'node:os';

/**
 * The zone (interface index) for link-local IPv6 addresses in an answer that arrived from
 * `refererAddress` (IPv4): the index of the interface whose IPv4 subnet holds that address.
 */
export function linkLocalZoneFor(
  refererAddress: string,
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
): string | undefined {
  for (const infos of Object.values(interfaces)) {
    if (!infos) continue;
    const onLink = infos.some((i) => i.family === 'IPv4' && !i.internal && sameIPv4Subnet(i.address, refererAddress, i.netmask));
    const v6 = infos.find((i) => i.family === 'IPv6' && i.scopeid !== undefined && i.scopeid > 0);
    if (onLink && v6) return String(v6.scopeid);
  }
  return undefined;
}

/** True when both IPv4 addresses lie in the same subnet under `mask`; false for anything unparsable. */
export function sameIPv4Subnet(a: string, b: string, mask: string): boolean {
  const [x, y, m] = [ipv4ToInt(a), ipv4ToInt(b), ipv4ToInt(mask)];
  return x !== undefined && y !== undefined && m !== undefined && (x & m) === (y & m);
}

function ipv4ToInt(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  return parts.reduce((acc, p) => (acc << 8) | p, 0);
}
