/**
 * DNS-SD advertising of shared scanners (`_uscan._tcp`, `_uscans._tcp`) without avahi (the
 * gateway runs in Docker and on hosts with no daemon) and beside it (SO_REUSEADDR on 5353).
 *
 * One responder per multicast link, on the link list discovery uses: each link publishes
 * the host's addresses on that interface only, under a host name of its own
 * (`<hostname>-scan2mqtt.local`), so a running avahi-daemon never sees its own host name
 * claimed with other addresses (it would rename itself). Each advert's instance name is
 * made unique (`Name (2)`) among our adverts and, by probing, on the network. Interfaces are
 * followed as they come and go; failures are logged and retried at the next interface check.
 */
import { hostname, networkInterfaces } from 'node:os';
import type { Logger } from '../../core/logger.js';
import { DEFAULT_INTERFACE_CHECK_MS, type LinkBonjourFactory } from '../../discovery/mdns/mdns-discovery.js';
import { reconcileLinks, type LinkSources, type MdnsLink } from '../../discovery/mdns/mdns-links.js';
import { createBonjour } from '../../discovery/mdns/mdns-socket.js';
import type { EsclAdvert, EsclAdvertiser } from '../advert.js';
import { esclServiceTypes, hostRecords, instanceFqdn, MDNS_DOMAIN, serviceRecords, uniqueRecords, type MdnsRecord } from './dns-sd-records.js';
import { buildEsclTxt, encodeTxt } from './escl-txt.js';
import { instanceLabel, labelKey } from './instance-name.js';
import { linkAddresses, urlHostOn } from './link-addresses.js';
import { DEFAULT_ANNOUNCE_INTERVAL_MS, LinkResponder } from './link-responder.js';
import { DEFAULT_PROBE_INTERVAL_MS, probeForConflict } from './name-probe.js';

/** The standard mDNS port. */
export const MDNS_PORT = 5353;
/** Names tried per advert (`Name`, `Name (2)`, …) before the last one is used despite a conflict. */
export const MAX_NAME_ATTEMPTS = 16;
/** Appended to the machine's host name for the SRV target (see the file comment). */
export const HOST_LABEL_SUFFIX = '-scan2mqtt';

/** What the advertiser needs; everything but the logger has a production default. */
export interface DnsSdAdvertiserDeps {
  logger: Logger;
  /** First label of the SRV target host name; default `<hostname>-scan2mqtt`. */
  hostLabel?: string;
  /** Advertise on this interface only (name or address), as `discovery.mdns_interface` does for browsing. */
  restrictTo?: string;
  /** UDP port; tests use a private one. */
  port?: number;
  interfaceCheckMs?: number;
  announceIntervalMs?: number;
  probeIntervalMs?: number;
  links?: LinkSources;
  bonjour?: LinkBonjourFactory;
}

/** The DNS-SD advertiser: the server's EsclAdvertiser, plus start(). */
export interface DnsSdAdvertiser extends EsclAdvertiser {
  /** Opens the links and announces what was published so far; publish() before start() is kept. */
  start(): void;
}

/** One published advert; `label` is unset while its name is being probed. */
interface Entry {
  advert: EsclAdvert;
  label?: string;
}

/** Creates the advertiser; nothing is sent until `start()`. */
export function createDnsSdAdvertiser(deps: DnsSdAdvertiserDeps): DnsSdAdvertiser {
  const { logger } = deps;
  const mdnsPort = deps.port ?? MDNS_PORT;
  const hostName = `${deps.hostLabel ?? defaultHostLabel()}.${MDNS_DOMAIN}`;
  const interfaces = deps.links?.interfaces ?? networkInterfaces;
  const makeBonjour: LinkBonjourFactory =
    deps.bonjour ?? ((link) => createBonjour({ ...link.socket, port: mdnsPort }, (e) => logger.warn({ err: e, link: link.id }, 'mDNS send failed')));
  const entries = new Map<string, Entry>();
  const responders = new Map<string, LinkResponder>();
  let timer: NodeJS.Timeout | undefined;
  let running = false;

  const recordsFor = (link: MdnsLink, ifaces: ReturnType<typeof interfaces>): MdnsRecord[] => {
    const addresses = linkAddresses(link, ifaces);
    const urlHost = urlHostOn(addresses, hostName);
    const services = [...entries.values()].flatMap(({ advert, label }) => {
      if (label === undefined) return [];
      return esclServiceTypes(advert.secure).flatMap(({ type, scheme }) => {
        const txt = encodeTxt(buildEsclTxt(advert, `${scheme}://${urlHost}:${advert.port}`));
        return serviceRecords({ label, serviceType: type, host: hostName, port: advert.port, txt });
      });
    });
    if (services.length === 0) return [];
    return uniqueRecords([...services, ...hostRecords(hostName, addresses)]);
  };

  /** Brings every link's published records in line with the adverts and addresses. */
  const refresh = (): void => {
    if (!running) return;
    let ifaces: ReturnType<typeof interfaces>;
    try {
      ifaces = interfaces();
    } catch (error) {
      return void logger.warn({ err: error }, 'cannot list network interfaces');
    }
    for (const responder of responders.values()) responder.hold(recordsFor(responder.link, ifaces));
  };

  const open = (link: MdnsLink): void => {
    try {
      const responder = new LinkResponder({
        link,
        bonjour: makeBonjour(link),
        logger: logger.child({ link: link.id }),
        mdnsPort,
        interfaces,
        announceIntervalMs: deps.announceIntervalMs ?? DEFAULT_ANNOUNCE_INTERVAL_MS,
        onFailure: (error) => {
          if (responders.get(link.id) !== responder) return;
          responders.delete(link.id);
          void responder.close(false);
          logger.warn({ err: error, link: link.id }, 'DNS-SD: mDNS socket failed; retrying at the next interface check');
        },
      });
      responders.set(link.id, responder);
      logger.info({ link: link.id }, 'DNS-SD: advertising on interface');
    } catch (error) {
      logger.warn({ err: error, link: link.id }, 'DNS-SD: cannot open mDNS socket; retrying at the next interface check');
    }
  };

  /** Opens links that appeared (or whose socket failed), closes those that went, then refreshes. */
  const syncLinks = (): void => {
    if (!running) return;
    try {
      reconcileLinks(responders, deps.restrictTo, deps.links, {
        gone(id, responder) {
          // The interface may still be up with another address: say goodbye where we still can.
          void responder.close(true);
          logger.info({ link: id }, 'DNS-SD: interface gone');
        },
        added: open,
      });
    } catch (error) {
      return void logger.warn({ err: error }, 'cannot list network interfaces');
    }
    refresh();
  };

  /** Picks the advert's instance name: free among ours, then unclaimed on the network. */
  const claimName = async (scannerId: string, entry: Entry): Promise<void> => {
    // Every advert has a `_uscan` instance, so one label per advert among all of ours.
    const types = esclServiceTypes(entry.advert.secure).map((t) => t.type);
    const taken = (label: string) => [...entries.values()].some((e) => e !== entry && e.label !== undefined && labelKey(e.label) === labelKey(label));
    let label = instanceLabel(entry.advert.name);
    for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt++) {
      label = instanceLabel(entry.advert.name, attempt);
      if (taken(label)) continue;
      const sockets = [...responders.values()].map((r) => r.socket);
      let conflict = false;
      for (const type of types) conflict ||= await probeForConflict(sockets, instanceFqdn(label, type), deps.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS);
      if (entries.get(scannerId) !== entry) return;
      if (!conflict && !taken(label)) break;
      logger.info({ scanner: scannerId, name: label }, 'DNS-SD: instance name in use; trying another');
    }
    entry.label = label;
    logger.info({ scanner: scannerId, name: label, types }, 'DNS-SD: advertising shared scanner');
    refresh();
  };

  const sameName = (a: EsclAdvert, b: EsclAdvert) => a.name === b.name && a.secure === b.secure;

  return {
    publish(advert) {
      const previous = entries.get(advert.scannerId);
      if (previous && previous.label !== undefined && sameName(previous.advert, advert)) {
        previous.advert = advert;
        return refresh();
      }
      const entry: Entry = { advert };
      entries.set(advert.scannerId, entry);
      refresh();
      if (running) void claimName(advert.scannerId, entry);
    },
    withdraw(scannerId) {
      if (!entries.delete(scannerId)) return;
      logger.info({ scanner: scannerId }, 'DNS-SD: advert withdrawn');
      refresh();
    },
    start() {
      if (running) return;
      running = true;
      syncLinks();
      timer = setInterval(syncLinks, deps.interfaceCheckMs ?? DEFAULT_INTERFACE_CHECK_MS);
      timer.unref();
      for (const [scannerId, entry] of entries) if (entry.label === undefined) void claimName(scannerId, entry);
    },
    async stop() {
      running = false;
      if (timer) clearInterval(timer);
      timer = undefined;
      entries.clear();
      const closing = [...responders.values()].map((r) => r.close(true));
      responders.clear();
      await Promise.all(closing);
    },
  };
}

/** The machine's host name as one DNS label (letters, digits, hyphens), with our suffix. */
function defaultHostLabel(): string {
  const base = hostname().split('.')[0]?.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'scan2mqtt';
  return `${base.slice(0, 63 - HOST_LABEL_SUFFIX.length)}${HOST_LABEL_SUFFIX}`;
}
