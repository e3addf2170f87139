/**
 * The mDNS responder of one link: it holds the records to publish there, answers queries
 * for them, announces what is new (RFC 6762 §8.3: repeated, the interval doubling) and sends
 * goodbyes for what was dropped. Runs on a bonjour-service instance whose own responder has
 * nothing registered: its registry forgets every PTR of a type when one service of it is
 * unpublished, and its records carry every interface's addresses on every link.
 */
import type { NetworkInterfaceInfo } from 'node:os';
import type Bonjour from 'bonjour-service';
import type { Logger } from '../../core/logger.js';
import type { MdnsLink } from '../../discovery/mdns/mdns-links.js';
import { mdnsSocketOf } from '../../discovery/mdns/mdns-socket.js';
import { goodbyes, recordKey, type MdnsRecord } from './dns-sd-records.js';
import { isFromOtherLink } from './link-addresses.js';
import { answerQuestions, forLegacyUnicast, packRecords, type MdnsQuestion } from './mdns-answers.js';
import type { ProbeSocket } from './name-probe.js';

/** Announcements of a new or changed record (RFC 6762 §8.3 asks for at least two). */
export const ANNOUNCE_COUNT = 3;
/** First wait between announcements; doubles after each. */
export const DEFAULT_ANNOUNCE_INTERVAL_MS = 1_000;
/** How long stop() waits for goodbyes to leave before closing the socket anyway. */
export const GOODBYE_SEND_TIMEOUT_MS = 1_000;

/** The multicast-dns calls this responder makes. */
interface ResponderSocket extends ProbeSocket {
  respond(packet: object, rinfo?: { port: number; address: string }, callback?: (error?: Error | null) => void): void;
}

/** What one link's responder needs. */
export interface LinkResponderDeps {
  link: MdnsLink;
  bonjour: Bonjour;
  logger: Logger;
  /** The mDNS port; a query from any other port is a legacy unicast query, answered by unicast. */
  mdnsPort: number;
  interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  announceIntervalMs: number;
  /** The socket failed (bind refused, interface gone); the owner closes this responder. */
  onFailure: (error: unknown) => void;
}

/** One link's socket and the records published on it. */
export class LinkResponder {
  /** The socket, for probing names on this link. */
  readonly socket: ResponderSocket;
  private held: MdnsRecord[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The link this responder publishes on. */
  get link(): MdnsLink {
    return this.deps.link;
  }
  private closed = false;

  constructor(private readonly deps: LinkResponderDeps) {
    const socket = mdnsSocketOf(deps.bonjour) as ResponderSocket | undefined;
    if (!socket) throw new Error('cannot reach the mDNS socket (bonjour-service internals changed)');
    this.socket = socket;
    socket.on('error', (error: unknown) => deps.onFailure(error));
    socket.on('warning', (error: unknown) => deps.logger.debug({ err: error }, 'mDNS socket warning'));
    socket.on('query', (packet: { id?: number; questions?: MdnsQuestion[] }, rinfo: { address: string; port: number }) => this.answer(packet, rinfo));
  }

  /** Publishes exactly `records` from now on: goodbyes for the dropped, announcements for the new and changed. */
  hold(records: MdnsRecord[]): void {
    if (this.closed) return;
    const before = new Set(this.held.map(recordKey));
    const after = new Set(records.map(recordKey));
    const dropped = this.held.filter((r) => !after.has(recordKey(r)));
    const added = records.filter((r) => !before.has(recordKey(r)));
    this.held = records;
    if (dropped.length > 0) void this.send(goodbyes(dropped));
    if (added.length > 0) this.announce(added);
  }

  /** Goodbyes for everything held (unless the link is gone), then the socket closed. */
  async close(sayGoodbye: boolean): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const held = this.held;
    this.held = [];
    if (sayGoodbye && held.length > 0) await this.send(goodbyes(held), GOODBYE_SEND_TIMEOUT_MS);
    await new Promise<void>((resolve) => {
      try {
        this.deps.bonjour.destroy(() => resolve());
      } catch {
        // A socket that never bound cannot be closed; there is nothing left to release.
        resolve();
      }
    });
  }

  /**
   * Sends the new records now and again later, as long as they are still held, each with the
   * whole of its instance (PTR, SRV, TXT) and the host's addresses: simple browsers (bonjour-service)
   * take a change only from a packet that also carries the instance's PTR.
   */
  private announce(records: MdnsRecord[]): void {
    const keys = new Set(records.map(recordKey));
    const touched = new Set(records.map((r) => r.name.toLowerCase()));
    const announced = (r: MdnsRecord): boolean =>
      touched.has(r.name.toLowerCase()) || (r.type === 'PTR' && touched.has(r.data.toLowerCase())) || r.type === 'A' || r.type === 'AAAA';
    let round = 0;
    const step = (): void => {
      if (this.closed) return;
      const current = this.held.filter(announced);
      if (!current.some((r) => keys.has(recordKey(r)))) return;
      void this.send(current);
      round += 1;
      if (round >= ANNOUNCE_COUNT) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        step();
      }, this.deps.announceIntervalMs * 2 ** (round - 1));
      timer.unref();
      this.timers.add(timer);
    };
    step();
  }

  private answer(packet: { id?: number; questions?: MdnsQuestion[] }, rinfo: { address: string; port: number }): void {
    if (this.closed || this.held.length === 0 || !Array.isArray(packet.questions)) return;
    if (isFromOtherLink(rinfo.address, this.deps.link, this.deps.interfaces())) return;
    const legacy = rinfo.port !== this.deps.mdnsPort;
    for (const response of answerQuestions(packet.questions, this.held)) {
      if (!legacy) {
        this.respond(response);
        continue;
      }
      // Legacy unicast (RFC 6762 §6.7): straight back to the asker, with its id and question.
      const reply = { id: packet.id, questions: packet.questions, answers: forLegacyUnicast(response.answers), additionals: forLegacyUnicast(response.additionals) };
      this.respond(reply, { port: rinfo.port, address: rinfo.address });
    }
  }

  /** Sends records as responses, packed per packet; resolves when sent (or after `timeoutMs`). */
  private send(records: MdnsRecord[], timeoutMs?: number): Promise<void> {
    const sent = packRecords(records).map((answers) => new Promise<void>((resolve) => this.respond({ answers }, undefined, resolve)));
    const all = Promise.all(sent).then(() => {});
    if (timeoutMs === undefined) return all;
    return Promise.race([all, new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  private respond(packet: object, rinfo?: { port: number; address: string }, done: () => void = () => {}): void {
    const callback = (error?: Error | null): void => {
      if (error) this.deps.logger.warn({ err: error, link: this.deps.link.id }, 'mDNS send failed');
      done();
    };
    try {
      this.socket.respond(packet, rinfo, callback);
    } catch (error) {
      callback(error as Error);
    }
  }
}
