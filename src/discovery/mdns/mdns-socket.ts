/** Construction of bonjour-service instances whose multicast socket is safe to run beside avahi. */
import { createSocket } from 'node:dgram';
import type { EventEmitter } from 'node:events';
import Bonjour from 'bonjour-service';

/** Socket options passed through bonjour-service to multicast-dns. */
export interface MdnsSocketOptions {
  /** UDP port; 5353 unless a test uses a private one. */
  port?: number;
  /** `udp6` for IPv6 (then `ip` and a scoped `interface`, `::%eth0`, are required). Default `udp4`. */
  type?: 'udp4' | 'udp6';
  /** Multicast group; multicast-dns defaults to 224.0.0.251 for udp4. */
  ip?: string;
  /** The one interface to join the group on and send from: its IPv4 address, or `::%name` for IPv6. */
  interface?: string;
  /** Address to bind; the wildcard is needed with `interface`, or multicast datagrams are not received. */
  bind?: string;
}

/** Makes a bonjour-service instance; tests and network namespaces pass their own. */
export type BonjourFactory = () => Bonjour;

/**
 * A bonjour-service instance whose socket binds with SO_REUSEADDR, so it shares 5353 with
 * avahi-daemon (multicast-dns sets it unless told `reuseAddr: false`; we say it explicitly).
 * Response-send failures go to `onError` instead of bonjour-service's default, which throws.
 */
export function createBonjour(options: MdnsSocketOptions = {}, onError: (error: unknown) => void = () => {}): Bonjour {
  // bonjour-service types its first argument as service defaults, but hands it to multicast-dns.
  // An IPv6 socket that is not v6-only would also be handed every IPv4 mDNS datagram.
  const socket = options.type === 'udp6' ? createSocket({ type: 'udp6', reuseAddr: true, ipv6Only: true }) : undefined;
  const socketOptions = { ...options, reuseAddr: true, ...(socket ? { socket } : {}) } as unknown as ConstructorParameters<typeof Bonjour>[0];
  return new Bonjour(socketOptions, onError);
}

/**
 * The multicast-dns emitter inside a bonjour-service instance. bonjour-service never listens
 * to its `error` event (EADDRINUSE, EACCES at bind), which would otherwise be thrown as an
 * unhandled 'error' and end the process; the caller must listen. Undefined if the library's
 * internals changed (a test guards this).
 */
export function mdnsSocketOf(bonjour: Bonjour): EventEmitter | undefined {
  const server = (bonjour as unknown as { server?: { mdns?: unknown } }).server;
  const mdns = server?.mdns as EventEmitter | undefined;
  return mdns && typeof mdns.on === 'function' ? mdns : undefined;
}
