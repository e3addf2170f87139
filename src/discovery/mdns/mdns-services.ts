/**
 * What browsing does with resolved DNS-SD services: eSCL services become findings (and
 * their goodbyes withdrawals); `_sane-port._tcp` services become saned hosts to list.
 * One instance serves every link, so a service seen on two links is reported once.
 */
import { networkInterfaces } from 'node:os';
import type { Service } from 'bonjour-service';
import type { DeviceFinding } from '../../core/device.js';
import type { Logger } from '../../core/logger.js';
import { interfaceIndex } from './mdns-links.js';
import { sanedHostFromService, type DiscoveredSanedHost } from './saned-service.js';
import { findingFromService, linkLocalZoneFor, type EsclServiceType } from './to-finding.js';

/** Service types browsed, as bonjour-service names them. */
export type BrowsedServiceType = EsclServiceType | 'sane-port';

/** Who is told about services. */
export interface ServiceListeners {
  logger: Logger;
  onFinding: (finding: DeviceFinding) => void;
  /** A service said goodbye (or changed address): this endpoint of this device is gone. */
  onGoodbye: (key: string, endpointUrl: string) => void;
  /** A saned host announced itself; when absent, `_sane-port._tcp` is not browsed. */
  onSanedHost?: (host: DiscoveredSanedHost) => void;
  /** A saned host said goodbye. */
  onSanedHostGone?: (host: DiscoveredSanedHost) => void;
}

/**
 * What was last reported for one service instance, so its goodbye can name the endpoints.
 * Kept per IP family of the answer: avahi answers over IPv6 with AAAA records only and over
 * IPv4 with A and AAAA, so each family's answer is only part of the instance's endpoints.
 */
interface Reported {
  key: string;
  byFamily: Map<'IPv4' | 'IPv6', string[]>;
}

function allUrls(reported: Reported | undefined): Set<string> {
  return new Set([...(reported?.byFamily.values() ?? [])].flat());
}

/** Turns browser events into findings and saned hosts. */
export class ServiceTracker {
  private readonly reported = new Map<string, Reported>();
  private readonly saned = new Map<string, DiscoveredSanedHost>();

  constructor(private readonly listeners: ServiceListeners) {}

  /** The types to browse. */
  get types(): BrowsedServiceType[] {
    return this.listeners.onSanedHost ? ['uscan', 'uscans', 'sane-port'] : ['uscan', 'uscans'];
  }

  /** A service appeared or changed. */
  up(type: BrowsedServiceType, service: Service): void {
    if (type === 'sane-port') return this.sanedUp(service);
    const instance = `${type}:${service.fqdn ?? service.name}`;
    let finding: DeviceFinding;
    try {
      const zone = zoneFor(service.referer?.address);
      finding = findingFromService(service, zone === undefined ? {} : { linkLocalZone: zone });
    } catch (error) {
      this.listeners.logger.debug({ err: error, service: service.name }, 'ignoring unusable eSCL service');
      return;
    }
    const family = service.referer?.address.includes(':') ? 'IPv6' : 'IPv4';
    const previous = this.reported.get(instance);
    const before = allUrls(previous);
    const current: Reported = previous?.key === finding.key ? previous : { key: finding.key, byFamily: new Map() };
    current.byFamily.set(family, finding.endpoints.map((e) => e.url));
    this.reported.set(instance, current);
    this.safely('onFinding', () => this.listeners.onFinding(finding));
    // An address or key change: the old endpoints are as gone as after a goodbye.
    const after = allUrls(current);
    for (const url of before) {
      if (previous?.key !== finding.key || !after.has(url)) this.safely('onGoodbye', () => this.listeners.onGoodbye(previous?.key ?? '', url));
    }
  }

  /** A service said goodbye. */
  down(type: BrowsedServiceType, service: Service): void {
    const instance = `${type}:${service.fqdn ?? service.name}`;
    if (type === 'sane-port') {
      const host = this.saned.get(instance);
      this.saned.delete(instance);
      if (host) this.safely('onSanedHostGone', () => this.listeners.onSanedHostGone?.(host));
      return;
    }
    const previous = this.reported.get(instance);
    if (!previous) return;
    this.reported.delete(instance);
    for (const url of allUrls(previous)) this.safely('onGoodbye', () => this.listeners.onGoodbye(previous.key, url));
  }

  private sanedUp(service: Service): void {
    const instance = `sane-port:${service.fqdn ?? service.name}`;
    const host = sanedHostFromService(service);
    if (!host) return void this.listeners.logger.debug({ service: service.name }, 'ignoring unusable _sane-port service');
    const previous = this.saned.get(instance);
    if (previous && previous.host === host.host && previous.port === host.port) return;
    this.saned.set(instance, host);
    if (previous) this.safely('onSanedHostGone', () => this.listeners.onSanedHostGone?.(previous));
    this.safely('onSanedHost', () => this.listeners.onSanedHost?.(host));
  }

  private safely(what: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.listeners.logger.error({ err: error }, `${what} handler failed`);
    }
  }
}

/**
 * The zone for link-local IPv6 addresses in an answer from `referer`: the sender's own
 * scope when it came over IPv6 (`fe80::1%eth0`), else the interface on the IPv4 sender's subnet.
 */
function zoneFor(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  const interfaces = networkInterfaces();
  const scope = referer.includes(':') ? referer.split('%', 2)[1] : undefined;
  if (scope !== undefined) return /^\d+$/.test(scope) ? scope : (interfaceIndex(scope, interfaces) ?? scope);
  return referer.includes(':') ? undefined : linkLocalZoneFor(referer, interfaces);
}
