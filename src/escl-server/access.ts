/**
 * Who may use the shared scanners, like saned.conf: an allow list of CIDRs (default: loopback
 * and the subnets of the host's own interfaces) and, optionally, HTTP basic credentials.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { timingSafeEqual } from 'node:crypto';

/** Loopback in both families: always allowed when the allow list is left at its default. */
export const LOOPBACK_CIDRS: readonly string[] = ['127.0.0.0/8', '::1/128'];

/** The CIDRs of every address of this host's interfaces (what "the host's own subnets" means). */
export function hostSubnets(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.cidr !== null && !a.internal)
    .map((a) => a.cidr as string);
}

/** Parses CIDRs (or bare addresses) into a block list; a bad entry throws naming it. */
export function allowListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of cidrs) {
    const [address = '', bits] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    if (family === undefined) throw new Error(`"${entry}" is not an IP address or CIDR`);
    const max = family === 'ipv4' ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d{1,3}$/.test(bits))) throw new Error(`"${entry}" has a bad prefix length`);
    list.addSubnet(address, prefix, family);
  }
  return list;
}

/** True when the peer address is in the list (IPv4-mapped IPv6 peers count as IPv4). */
export function isAllowed(list: BlockList, remote: string | undefined): boolean {
  if (remote === undefined) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remote);
  const address = mapped ? mapped[1]! : remote.replace(/%.*$/, '');
  if (isIPv4(address)) return list.check(address, 'ipv4');
  if (isIPv6(address)) return list.check(address, 'ipv6');
  return false;
}

/** Basic-auth credentials, when configured. */
export interface BasicCredentials {
  username: string;
  password: string;
}

/** True when the Authorization header carries exactly these credentials (compared in constant time). */
export function checkBasicAuth(header: string | undefined, expected: BasicCredentials): boolean {
  const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]{1,1024})$/i.exec(header.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]!, 'base64');
  const wanted = Buffer.from(`${expected.username}:${expected.password}`, 'utf8');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
