/**
 * Which local interface an answer came in by, from its sender's address: the interface whose
 * subnet holds it, or the zone a link-local IPv6 address carries. Sockets bound to the wildcard
 * hear a group on every interface (Linux IP_MULTICAST_ALL), so the socket alone cannot tell.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/** The interface name, or `?` when no subnet holds the address. */
export function interfaceOf(address: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string {
  const zone = /%(.+)$/.exec(address)?.[1];
  if (zone) return /^\d+$/.test(zone) ? (nameOfIndex(Number(zone), interfaces) ?? zone) : zone;
  const value = addressValue(address);
  if (value === undefined) return '?';
  for (const [name, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      const own = addressValue(info.address);
      const mask = addressValue(info.netmask);
      if (own === undefined || mask === undefined || own.bits !== value.bits) continue;
      if ((own.n & mask.n) === (value.n & mask.n)) return name;
    }
  }
  return '?';
}

function nameOfIndex(index: number, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string | undefined {
  return Object.entries(interfaces).find(([, infos]) => infos?.some((i) => i.family === 'IPv6' && i.scopeid === index))?.[0];
}

/** An IPv4 or IPv6 address as a number with its width; undefined for anything else. */
function addressValue(address: string): { n: bigint; bits: 32 | 128 } | undefined {
  const v4 = address.split('.');
  if (v4.length === 4 && v4.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    return { n: v4.reduce((n, p) => (n << 8n) | BigInt(p), 0n), bits: 32 };
  }
  if (!address.includes(':') || !/^[\da-f:]+$/i.test(address)) return undefined;
  const [head = '', tail = '', ...rest] = address.split('::');
  if (rest.length > 0) return undefined;
  const left = head ? head.split(':') : [];
  const right = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  if (groups.length !== 8 || groups.some((g) => g.length === 0 || g.length > 4)) return undefined;
  return { n: groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n), bits: 128 };
}
