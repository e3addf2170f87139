/**
 * Follows `_sane-port._tcp` services (saned built with Avahi announces itself so): each
 * announced host is listed as a configured one is, and a goodbye drops its devices.
 */
import type { Logger } from '../../../core/logger.js';
import type { MdnsServiceType, ResolvedService } from '../../../core/mdns-service.js';
import { SANED_SOURCE } from './host-entry.js';
import type { SanedHostDiscovery } from './saned-hosts.js';
import { sanedHostFromService, type DiscoveredSanedHost } from './saned-service.js';

/** The DNS-SD type of saned hosts, as bonjour-service names it. */
export const SANE_PORT_SERVICE_TYPE = 'sane-port';

/** The service type whose hosts `saned` lists; one instance serves every link, so a host seen on two links is listed once. */
export function sanePortService(saned: SanedHostDiscovery, logger: Logger): MdnsServiceType {
  const hosts = new Map<string, DiscoveredSanedHost>();
  const instanceOf = (service: ResolvedService): string => service.fqdn ?? service.name;
  return {
    type: SANE_PORT_SERVICE_TYPE,
    watch: {
      up(service) {
        const instance = instanceOf(service);
        const host = sanedHostFromService(service);
        if (!host) return void logger.debug({ service: service.name }, 'ignoring unusable _sane-port service');
        const previous = hosts.get(instance);
        if (previous && previous.host === host.host && previous.port === host.port) return;
        hosts.set(instance, host);
        if (previous) saned.remove(previous);
        saned.add({ ...host, source: SANED_SOURCE });
      },
      down(service) {
        const instance = instanceOf(service);
        const host = hosts.get(instance);
        hosts.delete(instance);
        if (host) saned.remove(host);
      },
    },
  };
}
