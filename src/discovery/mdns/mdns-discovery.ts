/**
 * Continuous DNS-SD browsing for the service types the protocol modules answer to
 * (`_uscan._tcp`, `_sane-port._tcp`, …) on every multicast-capable link (IPv4 and IPv6 of
 * each interface), following interfaces as they come and go.
 *
 * One bonjour-service instance per link: multicast-dns sends from one interface per socket
 * (`interface` sets both the group membership and IP_MULTICAST_IF), and without one it
 * leaves the choice to the routing table, so queries went out of the default-route interface
 * only, and nowhere on a host without a default route. Linux hands every socket bound to
 * 5353 the group's datagrams from all links, so instances may see the same answer; the
 * shared ServiceTracker reports each service once. Socket failures are retried per link with
 * backoff; they never end the process.
 */
import type Bonjour from 'bonjour-service';
import type { Browser } from 'bonjour-service';
import type { DiscoveryReport, DiscoverySource } from '../../core/discovery-source.js';
import { createBonjour, mdnsSocketOf } from './mdns-socket.js';
import { reconcileLinks, type LinkSources, type MdnsLink } from './mdns-links.js';
import { MDNS_SOURCE, ServiceTracker, type ServiceListeners } from './mdns-services.js';

/** Re-query interval: catches devices whose unsolicited announcement was lost. */
export const DEFAULT_QUERY_INTERVAL_MS = 60_000;
/** How often the interface list is checked for links that came or went. */
export const DEFAULT_INTERFACE_CHECK_MS = 10_000;
/** First retry after a socket failure; doubles per failure up to the maximum. */
export const DEFAULT_RETRY_MIN_MS = 1_000;
/** Longest wait between attempts to reopen an mDNS socket. */
export const DEFAULT_RETRY_MAX_MS = 60_000;

/** Makes the bonjour-service instance of one link; tests pass their own. */
export type LinkBonjourFactory = (link: MdnsLink) => Bonjour;

/** What mDNS discovery needs. */
export interface MdnsDiscoveryDeps extends ServiceListeners {
  /** Config `discovery.mdns_interface`: browse only this interface (name or address). */
  restrictTo?: string;
  /** UDP port (5353); tests use a private one. */
  port?: number;
  queryIntervalMs?: number;
  interfaceCheckMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  bonjour?: LinkBonjourFactory;
  links?: LinkSources;
}

/** A running mDNS browser: a discovery source. */
export interface MdnsDiscovery extends DiscoverySource {
  /** Starts browsing; findings and goodbyes of device services go to `report`. */
  start(report: DiscoveryReport): void;
  /** Stops browsing and closes the sockets; known devices are not withdrawn. */
  stop(): Promise<void>;
  /** Queries now (the "discover" request); re-reads the interfaces and reopens waiting sockets at once. */
  refresh(): void;
}

/** One link's socket and browsers, or its retry state while the socket is down. */
interface LinkState {
  link: MdnsLink;
  session?: { bonjour: Bonjour; browsers: Browser[] };
  retryTimer?: NodeJS.Timeout;
  failures: number;
}

/** Creates mDNS discovery; nothing happens until `start()`. */
export function createMdnsDiscovery(deps: MdnsDiscoveryDeps): MdnsDiscovery {
  const { logger } = deps;
  const retryMinMs = deps.retryMinMs ?? DEFAULT_RETRY_MIN_MS;
  const retryMaxMs = deps.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
  const makeBonjour: LinkBonjourFactory =
    deps.bonjour ??
    ((link) => createBonjour({ ...link.socket, ...(deps.port !== undefined ? { port: deps.port } : {}) }, (e) => logger.warn({ err: e, link: link.id }, 'mDNS send failed')));
  const tracker = new ServiceTracker(deps);
  const links = new Map<string, LinkState>();
  const timers: NodeJS.Timeout[] = [];
  let running = false;

  const open = (state: LinkState): void => {
    state.retryTimer = undefined;
    if (!running || links.get(state.link.id) !== state) return;
    const log = logger.child({ link: state.link.id });
    let bonjour: Bonjour;
    try {
      bonjour = makeBonjour(state.link);
    } catch (error) {
      return fail(state, undefined, error);
    }
    const session = { bonjour, browsers: [] as Browser[] };
    state.session = session;
    const socket = mdnsSocketOf(bonjour);
    if (!socket) log.error('cannot watch the mDNS socket for errors (bonjour-service internals changed)');
    socket?.on('error', (error: unknown) => fail(state, session, error));
    socket?.on('warning', (error: unknown) => log.debug({ err: error }, 'mDNS socket warning'));
    socket?.once('ready', () => {
      if (state.session === session) state.failures = 0;
      log.debug('mDNS socket ready');
    });
    for (const type of tracker.types) session.browsers.push(browse(bonjour, type));
  };

  const browse = (bonjour: Bonjour, type: string): Browser => {
    const browser = bonjour.find({ type, protocol: 'tcp' });
    browser.on('up', (service) => tracker.up(type, service));
    browser.on('srv-update', (service) => tracker.up(type, service));
    browser.on('txt-update', (service) => tracker.up(type, service));
    browser.on('down', (service) => tracker.down(type, service));
    return browser;
  };

  const fail = (state: LinkState, failed: LinkState['session'], error: unknown): void => {
    if (failed !== undefined && state.session !== failed) return;
    void close(state.session);
    state.session = undefined;
    if (!running || links.get(state.link.id) !== state) return;
    const delay = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(state.failures, 30));
    state.failures += 1;
    const code = (error as { code?: unknown } | null)?.code;
    logger.warn({ err: error, code, link: state.link.id, retryInMs: delay }, 'mDNS socket failed; retrying');
    state.retryTimer = setTimeout(() => open(state), delay);
    state.retryTimer.unref();
  };

  /** Opens links that appeared, closes those whose interface (or address) went away. */
  const syncLinks = (): void => {
    try {
      reconcileLinks(links, deps.restrictTo, deps.links, {
        gone(id, state) {
          drop(state);
          logger.info({ link: id }, 'mDNS: interface gone');
        },
        added(link) {
          const state: LinkState = { link, failures: 0 };
          links.set(link.id, state);
          logger.info({ link: link.id }, 'mDNS: browsing on interface');
          open(state);
        },
      });
    } catch (error) {
      return void logger.warn({ err: error }, 'cannot list network interfaces');
    }
    if (links.size === 0) logger.debug({ restrictTo: deps.restrictTo }, 'mDNS: no multicast-capable interface yet');
  };

  const query = (): void => {
    for (const state of links.values()) for (const browser of state.session?.browsers ?? []) browser.update();
  };

  const drop = (state: LinkState): Promise<void> => {
    if (state.retryTimer) clearTimeout(state.retryTimer);
    state.retryTimer = undefined;
    const session = state.session;
    state.session = undefined;
    return close(session);
  };

  return {
    name: MDNS_SOURCE,
    start(report) {
      if (running) return;
      tracker.reportTo(report);
      running = true;
      syncLinks();
      timers.push(setInterval(query, deps.queryIntervalMs ?? DEFAULT_QUERY_INTERVAL_MS), setInterval(syncLinks, deps.interfaceCheckMs ?? DEFAULT_INTERFACE_CHECK_MS));
      for (const timer of timers) timer.unref();
    },
    async stop() {
      running = false;
      for (const timer of timers.splice(0)) clearInterval(timer);
      const states = [...links.values()];
      links.clear();
      await Promise.all(states.map(drop));
    },
    refresh() {
      if (!running) return;
      syncLinks();
      for (const state of links.values()) {
        if (state.session) continue;
        if (state.retryTimer) clearTimeout(state.retryTimer);
        open(state);
      }
      query();
    },
  };
}

function close(session: LinkState['session']): Promise<void> {
  if (!session) return Promise.resolve();
  for (const browser of session.browsers) browser.stop();
  return new Promise((resolve) => {
    try {
      session.bonjour.destroy(() => resolve());
    } catch {
      // A socket that never bound cannot be closed; there is nothing left to release.
      resolve();
    }
  });
}
