/**
 * mDNS on each link the gateway browses (the discovery code's own link list and socket
 * set-up): one DNS-SD query for the scanner service types and for the service list
 * (RFC 6763 §9, which every responder answers), then who answered within the window.
 */
import { networkInterfaces } from 'node:os';
import type { EventEmitter } from 'node:events';
import { listMdnsLinks, type MdnsLink } from '../discovery/mdns/mdns-links.js';
import { createBonjour, mdnsSocketOf } from '../discovery/mdns/mdns-socket.js';
import { interfaceOf } from './address-interface.js';

/** The DNS-SD meta-query every responder answers. */
const SERVICE_LIST = '_services._dns-sd._udp.local';

/** What one link heard. */
export interface LinkAnswers {
  link: string;
  interfaceName: string;
  /** Addresses of other hosts that answered (this host's own responder left out). */
  responders: string[];
  /** Scanner service instances announced in the answers (`Office._uscan._tcp.local`). */
  scanners: string[];
  /** Set when the query could not be sent on this link. */
  error?: string;
}

/** Queries every mDNS link for `serviceTypes` (`uscan`, `sane-port`) and listens for `listenMs`. */
export async function queryMdnsLinks(restrictTo: string | undefined, serviceTypes: readonly string[], listenMs: number, port?: number): Promise<LinkAnswers[]> {
  const links = listMdnsLinks(restrictTo);
  return Promise.all(links.map((link) => queryLink(link, serviceTypes, listenMs, port)));
}

async function queryLink(link: MdnsLink, serviceTypes: readonly string[], listenMs: number, port?: number): Promise<LinkAnswers> {
  const own = new Set(Object.values(networkInterfaces()).flatMap((infos) => (infos ?? []).map((i) => i.address.toLowerCase())));
  const answers: LinkAnswers = { link: link.id, interfaceName: link.interfaceName, responders: [], scanners: [] };
  let sendError: unknown;
  const bonjour = createBonjour({ ...link.socket, ...(port !== undefined ? { port } : {}) }, (error) => (sendError = error));
  const socket = mdnsSocketOf(bonjour) as (EventEmitter & { query(q: unknown, cb?: (error?: Error | null) => void): void }) | undefined;
  try {
    if (!socket) return { ...answers, error: 'the mDNS library changed' };
    const wanted = new Set(serviceTypes.map((t) => `_${t}._tcp.local`));
    socket.on('error', (error: unknown) => (sendError = error));
    socket.on('response', (packet: { answers?: { type: string; name: string; data: unknown }[] }, rinfo: { address: string }) => {
      // Every link's socket hears the group on every interface: keep what came in by this one.
      if (interfaceOf(rinfo.address) !== link.interfaceName) return;
      const from = rinfo.address.replace(/%.*$/, '').toLowerCase();
      if (!own.has(from) && !answers.responders.includes(from)) answers.responders.push(from);
      for (const a of packet.answers ?? []) {
        if (a.type === 'PTR' && typeof a.name === 'string' && wanted.has(a.name.toLowerCase()) && typeof a.data === 'string' && !answers.scanners.includes(a.data)) answers.scanners.push(a.data);
      }
    });
    const questions = [...wanted, SERVICE_LIST].map((name) => ({ name, type: 'PTR' }));
    await new Promise<void>((resolve) => socket.query({ questions }, (error) => ((sendError ??= error ?? undefined), resolve())));
    await new Promise((resolve) => setTimeout(resolve, listenMs));
    if (sendError !== undefined && answers.responders.length === 0) answers.error = (sendError as Error).message ?? String(sendError);
    return answers;
  } finally {
    await new Promise<void>((resolve) => bonjour.destroy(() => resolve()));
  }
}
