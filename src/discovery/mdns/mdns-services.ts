/**
 * What browsing does with resolved DNS-SD services: it hands each to the protocol that
 * answers to its type. Services that announce a device become findings (and their goodbyes
 * withdrawals); the others go to the protocol's own watcher (a saned host to list).
 * One instance serves every link, so a service seen on two links is reported once.
 */
import { networkInterfaces } from 'node:os';
import type { Service } from 'bonjour-service';
import type { DeviceFinding } from '../../core/device.js';
import type { DiscoveryReport } from '../../core/discovery-source.js';
import type { Logger } from '../../core/logger.js';
import type { MdnsServiceType, ServiceContext } from '../../core/mdns-service.js';
import { linkLocalZoneFor } from './link-zone.js';
import { interfaceIndex } from './mdns-links.js';

/** The source name of mDNS findings; their goodbyes withdraw only what mDNS reported. */
export const MDNS_SOURCE = 'mdns';

/** Who is told about services. */
export interface ServiceListeners {
  logger: Logger;
  /** The service types browsed, from the protocol modules. */
  services: readonly MdnsServiceType[];
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

/** Turns browser events into findings, goodbyes and protocol watcher calls. */
export class ServiceTracker {
  private readonly reported = new Map<string, Reported>();
  private readonly byType: ReadonlyMap<string, MdnsServiceType>;
  private report: DiscoveryReport | undefined;

  constructor(private readonly listeners: ServiceListeners) {
    this.byType = new Map(listeners.services.map((s) => [s.type, s]));
  }

  /** The types to browse. */
  get types(): string[] {
    return [...this.byType.keys()];
  }

  /** Where findings and goodbyes go from now on. */
  reportTo(report: DiscoveryReport): void {
    this.report = report;
  }

  /** A service appeared or changed. */
  up(type: string, service: Service): void {
    const handler = this.byType.get(type);
    if (!handler) return;
    if (!handler.toFinding) return this.safely('watcher', () => handler.watch?.up(service));
    const instance = `${type}:${service.fqdn ?? service.name}`;
    let finding: DeviceFinding;
    try {
      const zone = zoneFor(service.referer?.address);
      const context: ServiceContext = zone === undefined ? {} : { linkLocalZone: zone };
      finding = handler.toFinding(service, context);
    } catch (error) {
      this.listeners.logger.debug({ err: error, service: service.name, type }, 'ignoring unusable service');
      return;
    }
    const family = service.referer?.address.includes(':') ? 'IPv6' : 'IPv4';
    const previous = this.reported.get(instance);
    const before = allUrls(previous);
    const current: Reported = previous?.key === finding.key ? previous : { key: finding.key, byFamily: new Map() };
    current.byFamily.set(family, finding.endpoints.map((e) => e.url));
    this.reported.set(instance, current);
    this.safely('onFinding', () => this.report?.found(finding));
    // An address or key change: the old endpoints are as gone as after a goodbye.
    const after = allUrls(current);
    for (const url of before) {
      if (previous?.key !== finding.key || !after.has(url)) this.goodbye(previous?.key ?? '', url);
    }
  }

  /** A service said goodbye. */
  down(type: string, service: Service): void {
    const handler = this.byType.get(type);
    if (!handler) return;
    if (!handler.toFinding) return this.safely('watcher', () => handler.watch?.down(service));
    const instance = `${type}:${service.fqdn ?? service.name}`;
    const previous = this.reported.get(instance);
    if (!previous) return;
    this.reported.delete(instance);
    for (const url of allUrls(previous)) this.goodbye(previous.key, url);
  }

  private goodbye(key: string, url: string): void {
    this.safely('onGoodbye', () => this.report?.goodbye(key, MDNS_SOURCE, url));
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
