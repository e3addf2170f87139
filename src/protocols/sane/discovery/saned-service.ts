/** A resolved `_sane-port._tcp` service (saned built with Avahi announces itself so) → a saned host. Pure. */
import type { ResolvedService } from '../../../core/mdns-service.js';

/** A saned host found by DNS-SD. */
export interface DiscoveredSanedHost {
  /** The service instance name, used as the host's display name. */
  name: string;
  /** The address to dial: IPv4 preferred, else a global IPv6 address. */
  host: string;
  port: number;
}

/** Instance names longer than this are cut (DNS labels are 63 bytes). */
const MAX_INSTANCE_NAME_LENGTH = 63;

/** The host to list, or undefined when the service gives no usable port or address. */
export function sanedHostFromService(service: ResolvedService): DiscoveredSanedHost | undefined {
  if (!Number.isInteger(service.port) || service.port < 1 || service.port > 65535) return undefined;
  const addresses = (service.addresses ?? []).filter((a) => typeof a === 'string' && a.length > 0 && a.length <= 64);
  // A link-local IPv6 address needs a zone the device key cannot carry, and a `.local` SRV
  // target needs an mDNS resolver the host may lack: such an answer (avahi's over IPv6 has
  // only AAAA records) is left to the family whose answer carries an address.
  const referer = service.referer?.address;
  const address =
    addresses.find((a) => !a.includes(':')) ??
    addresses.find((a) => !/^fe[89ab]/i.test(a)) ??
    (referer && !referer.includes(':') ? referer : undefined);
  if (!address) return undefined;
  // eslint-disable-next-line no-control-regex
  const name = (service.name ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, MAX_INSTANCE_NAME_LENGTH) || address;
  return { name, host: address, port: service.port };
}
