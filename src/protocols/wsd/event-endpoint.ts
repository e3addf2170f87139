/**
 * The HTTP endpoint WSD devices POST their events to (PROTOCOLS.md B.7 step 1). One server per
 * local address and port, shared by every subscription that uses them; each subscriber gets a
 * path of its own. It listens on the address the device reaches the gateway by (never on every
 * interface), reads bounded bodies, answers 202 at once, and hostile input earns a 4xx, never a crash.
 */
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIPv6 } from 'node:net';
import { ScanError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { parseSoapEnvelope, type SoapEnvelope } from './soap.js';

/** Largest event body read; a ScanAvailableEvent is under 2 KiB, a status event a few KiB. */
export const MAX_EVENT_BODY_BYTES = 64 * 1024;
/** Most bytes of a refused or oversized request read (and dropped) before the connection is cut. */
export const MAX_DRAINED_BYTES = 1024 * 1024;
/** A device that has not sent its event within this is cut off. */
export const EVENT_REQUEST_TIMEOUT_MS = 10_000;
/** The path prefix subscribers' sinks live under. */
export const EVENT_PATH_PREFIX = '/scan2mqtt/wsd-events/';
/** Any UDP port will do: connect() on a datagram socket only asks the kernel for the route. */
const ROUTE_PROBE_PORT = 3702;

/** Called with each event envelope POSTed to a subscriber's path; throws (a ProtocolError) for an unusable event, answered 400. */
export type EventHandler = (envelope: SoapEnvelope) => void;

/** A subscriber's place on an endpoint. */
export interface EventSinkLease {
  /** The NotifyTo URL to give the device. */
  readonly url: string;
  /** The local address it listens on. */
  readonly address: string;
  /** Frees the path; the server closes when its last lease is released. */
  release(): Promise<void>;
}

/** The local address the kernel sends from to reach `host` (the source address of the route to it). */
export async function localAddressFor(host: string): Promise<string> {
  const bare = host.replace(/^\[|\]$/g, '');
  const socket = createSocket(isIPv6(bare) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(ROUTE_PROBE_PORT, bare, () => resolve());
    });
    return socket.address().address;
  } catch (error) {
    throw new ScanError('DeviceOffline', `no route to ${host} for WSD events`, { cause: error });
  } finally {
    socket.close();
  }
}

interface Endpoint {
  server: Server;
  port: number;
  handlers: Map<string, EventHandler>;
}

let shared: WsdEventEndpoints | undefined;

/** The endpoints every WSD driver of this process shares unless given its own (made on first use). */
export function sharedEventEndpoints(logger: Logger): WsdEventEndpoints {
  shared ??= new WsdEventEndpoints(logger);
  return shared;
}

/** The event endpoints of one process, by `address|port`; each created on first use. */
export class WsdEventEndpoints {
  private readonly endpoints = new Map<string, Promise<Endpoint>>();

  constructor(private readonly logger: Logger) {}

  /** A path on the endpoint at `address` and `port` (0: a free one, shared by later leases of that address). */
  async lease(address: string, port: number, handler: EventHandler): Promise<EventSinkLease> {
    const key = `${address}|${port}`;
    let pending = this.endpoints.get(key);
    if (!pending) {
      pending = this.listen(address, port);
      this.endpoints.set(key, pending);
      pending.catch(() => this.endpoints.delete(key));
    }
    const endpoint = await pending;
    const path = `${EVENT_PATH_PREFIX}${randomUUID()}`;
    endpoint.handlers.set(path, handler);
    const host = isIPv6(address) ? `[${address}]` : address;
    let released = false;
    return {
      url: `http://${host}:${endpoint.port}${path}`,
      address,
      release: async () => {
        if (released) return;
        released = true;
        endpoint.handlers.delete(path);
        if (endpoint.handlers.size > 0 || this.endpoints.get(key) !== pending) return;
        this.endpoints.delete(key);
        endpoint.server.closeAllConnections();
        await new Promise<void>((resolve) => endpoint.server.close(() => resolve()));
      },
    };
  }

  private async listen(address: string, port: number): Promise<Endpoint> {
    const handlers = new Map<string, EventHandler>();
    const server = createServer({ requestTimeout: EVENT_REQUEST_TIMEOUT_MS, headersTimeout: EVENT_REQUEST_TIMEOUT_MS });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(handlers, req, res));
    server.on('clientError', (_error, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      throw new ScanError('Internal', `cannot listen for WSD events on ${address}:${port}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    server.on('error', (error) => this.logger.warn({ err: error }, 'WSD event endpoint error'));
    return { server, port: (server.address() as AddressInfo).port, handlers };
  }

  private handle(handlers: Map<string, EventHandler>, req: IncomingMessage, res: ServerResponse): void {
    const answer = (status: number) => {
      if (!res.headersSent) res.writeHead(status, { connection: 'close' }).end();
    };
    const handler = handlers.get((req.url ?? '').split('?')[0] ?? '');
    if (!handler) return void drain(req, () => answer(404));
    if (req.method !== 'POST') return void drain(req, () => answer(405));
    if (!/^\s*(application\/soap\+xml|text\/xml|application\/xml)\s*(;|$)/i.test(req.headers['content-type'] ?? '')) return void drain(req, () => answer(415));
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_EVENT_BODY_BYTES) return void drain(req, () => answer(413));
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > MAX_DRAINED_BYTES) req.destroy();
      else if (total <= MAX_EVENT_BODY_BYTES) chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (total > MAX_EVENT_BODY_BYTES) return answer(413);
      let envelope: SoapEnvelope;
      try {
        envelope = parseSoapEnvelope(Buffer.concat(chunks).toString('utf8'), 'WSD event');
      } catch (error) {
        this.logger.debug({ err: error }, 'WSD event refused: not a SOAP envelope');
        return answer(400);
      }
      try {
        // Only reads and queues: the device is answered at once, the event acted on afterwards.
        handler(envelope);
      } catch (error) {
        this.logger.debug({ err: error, action: envelope.action }, 'WSD event refused: not a usable event');
        return answer(400);
      }
      answer(202);
    });
  }
}

/** Reads and drops a refused request's body, so the sender reads the answer; a sender that goes on past the bound is cut off. */
function drain(req: IncomingMessage, then: () => void): void {
  let total = 0;
  req.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (total > MAX_DRAINED_BYTES) req.destroy();
  });
  req.on('end', then);
  req.on('error', () => undefined);
}
