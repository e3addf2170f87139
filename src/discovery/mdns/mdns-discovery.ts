/**
 * Continuous DNS-SD browsing for eSCL scanners (`_uscan._tcp`, `_uscans._tcp`). Socket
 * failures are logged and retried with backoff; they never end the process.
 */
import { networkInterfaces } from 'node:os';
import type Bonjour from 'bonjour-service';
import type { Browser, Service } from 'bonjour-service';
import type { DeviceFinding } from '../../core/device.js';
import type { Logger } from '../../core/logger.js';
import { createBonjour, mdnsSocketOf, type BonjourFactory } from './mdns-socket.js';
import { findingFromService, linkLocalZoneFor, type EsclServiceType } from './to-finding.js';

/** Re-query interval: catches devices whose unsolicited announcement was lost. */
export const DEFAULT_QUERY_INTERVAL_MS = 60_000;
/** First retry after a socket failure; doubles per failure up to the maximum. */
export const DEFAULT_RETRY_MIN_MS = 1_000;
/** Longest wait between attempts to reopen the mDNS socket. */
export const DEFAULT_RETRY_MAX_MS = 60_000;

const SERVICE_TYPES: readonly EsclServiceType[] = ['uscan', 'uscans'];

/** What mDNS discovery needs. */
export interface MdnsDiscoveryDeps {
  logger: Logger;
  onFinding: (finding: DeviceFinding) => void;
  /** A service said goodbye (or changed address): this endpoint of this device is gone. */
  onGoodbye: (key: string, endpointUrl: string) => void;
  queryIntervalMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  bonjour?: BonjourFactory;
}

/** A running mDNS browser. */
export interface MdnsDiscovery {
  start(): void;
  /** Stops browsing and closes the socket; known devices are not withdrawn. */
  stop(): Promise<void>;
  /** Queries now (the "discover" request); reopens the socket at once if it is waiting to retry. */
  refresh(): void;
}

interface Session {
  bonjour: Bonjour;
  browsers: Browser[];
  queryTimer: NodeJS.Timeout;
}

/** What was last reported for one service instance, so its goodbye can name the endpoints. */
interface Reported {
  key: string;
  urls: string[];
}

/** Creates mDNS discovery; nothing happens until `start()`. */
export function createMdnsDiscovery(deps: MdnsDiscoveryDeps): MdnsDiscovery {
  const { logger } = deps;
  const queryIntervalMs = deps.queryIntervalMs ?? DEFAULT_QUERY_INTERVAL_MS;
  const retryMinMs = deps.retryMinMs ?? DEFAULT_RETRY_MIN_MS;
  const retryMaxMs = deps.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
  const makeBonjour = deps.bonjour ?? (() => createBonjour({}, (e) => logger.warn({ err: e }, 'mDNS send failed')));
  const reported = new Map<string, Reported>();
  let session: Session | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let running = false;

  const open = (): void => {
    retryTimer = undefined;
    if (!running) return;
    let bonjour: Bonjour;
    try {
      bonjour = makeBonjour();
    } catch (error) {
      return fail(undefined, error);
    }
    const socket = mdnsSocketOf(bonjour);
    if (!socket) logger.error('cannot watch the mDNS socket for errors (bonjour-service internals changed)');
    const current: Session = { bonjour, browsers: [], queryTimer: setInterval(() => query(current), queryIntervalMs) };
    current.queryTimer.unref();
    session = current;
    socket?.on('error', (error: unknown) => fail(current, error));
    socket?.on('warning', (error: unknown) => logger.debug({ err: error }, 'mDNS socket warning'));
    socket?.once('ready', () => {
      if (session === current) failures = 0;
      logger.debug('mDNS socket ready');
    });
    for (const type of SERVICE_TYPES) current.browsers.push(browse(bonjour, type));
  };

  const browse = (bonjour: Bonjour, type: EsclServiceType): Browser => {
    const browser = bonjour.find({ type, protocol: 'tcp' });
    browser.on('up', (service) => serviceUp(type, service));
    browser.on('srv-update', (service) => serviceUp(type, service));
    browser.on('txt-update', (service) => serviceUp(type, service));
    browser.on('down', (service) => serviceDown(type, service));
    return browser;
  };

  const serviceUp = (type: EsclServiceType, service: Service): void => {
    const instance = `${type}:${service.fqdn ?? service.name}`;
    let finding: DeviceFinding;
    try {
      const zone = service.referer ? linkLocalZoneFor(service.referer.address, networkInterfaces()) : undefined;
      finding = findingFromService(service, zone === undefined ? {} : { linkLocalZone: zone });
    } catch (error) {
      logger.debug({ err: error, service: service.name }, 'ignoring unusable eSCL service');
      return;
    }
    const urls = finding.endpoints.map((e) => e.url);
    const previous = reported.get(instance);
    reported.set(instance, { key: finding.key, urls });
    safely('onFinding', () => deps.onFinding(finding));
    // An address or key change: the old endpoints are as gone as after a goodbye.
    for (const url of previous?.urls ?? []) {
      if (previous?.key !== finding.key || !urls.includes(url)) safely('onGoodbye', () => deps.onGoodbye(previous?.key ?? '', url));
    }
  };

  const serviceDown = (type: EsclServiceType, service: Service): void => {
    const instance = `${type}:${service.fqdn ?? service.name}`;
    const previous = reported.get(instance);
    if (!previous) return;
    reported.delete(instance);
    for (const url of previous.urls) safely('onGoodbye', () => deps.onGoodbye(previous.key, url));
  };

  const safely = (what: string, call: () => void): void => {
    try {
      call();
    } catch (error) {
      logger.error({ err: error }, `${what} handler failed`);
    }
  };

  const query = (current: Session): void => {
    for (const browser of current.browsers) browser.update();
  };

  const fail = (failed: Session | undefined, error: unknown): void => {
    if (failed !== undefined && session !== failed) return;
    close(failed);
    session = undefined;
    if (!running) return;
    const delay = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(failures, 30));
    failures += 1;
    const code = (error as { code?: unknown } | null)?.code;
    logger.warn({ err: error, code, retryInMs: delay }, 'mDNS socket failed; retrying');
    retryTimer = setTimeout(open, delay);
    retryTimer.unref();
  };

  return {
    start() {
      if (running) return;
      running = true;
      failures = 0;
      open();
    },
    async stop() {
      running = false;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      const current = session;
      session = undefined;
      await close(current);
    },
    refresh() {
      if (!running) return;
      if (session) return query(session);
      if (retryTimer) clearTimeout(retryTimer);
      open();
    },
  };
}

function close(current: Session | undefined): Promise<void> {
  if (!current) return Promise.resolve();
  clearInterval(current.queryTimer);
  for (const browser of current.browsers) browser.stop();
  return new Promise((resolve) => {
    try {
      current.bonjour.destroy(() => resolve());
    } catch {
      // A socket that never bound cannot be closed; there is nothing left to release.
      resolve();
    }
  });
}
