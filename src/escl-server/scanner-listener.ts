/**
 * The HTTP server of one shared scanner on its own port. With TLS on, the same port speaks both:
 * the first byte of a connection tells a TLS handshake (a ClientHello record, 0x16) from an HTTP
 * request line, and the socket goes to the HTTPS or the plain HTTP server accordingly, so the
 * one port is advertised as `_uscans._tcp` and `_uscan._tcp` alike.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';

/** Connections one shared scanner takes at once; more are closed on arrival (bounded memory under a flood). */
export const MAX_CONNECTIONS = 256;
/** Idle keep-alive connections are closed this soon, so clients' pools cannot hold every slot. */
export const KEEP_ALIVE_MS = 2000;
/** A connection idle this long (a reader that stopped reading, a client that went away) is closed. */
export const SOCKET_IDLE_MS = 60_000;
/** A connection that sends nothing this long after connecting is closed before it is handed on. */
export const FIRST_BYTE_MS = 10_000;
/** The TLS record type of a handshake (RFC 8446 §5.1): the first byte of every ClientHello. */
export const TLS_HANDSHAKE_BYTE = 0x16;

/** Key and certificate (PEM) for HTTPS. */
export interface TlsPair {
  key: string;
  cert: string;
}

/** One shared scanner's listening port. */
export interface ScannerListener {
  readonly port: number;
  /** Stops accepting and closes every connection. */
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Bounds a test may shorten. */
export interface ListenerLimits {
  firstByteMs?: number;
}

/** Listens on `port` (every address, both families where the host has them); resolves once bound. */
export async function listenScanner(port: number, tls: TlsPair | undefined, handler: Handler, limits: ListenerLimits = {}): Promise<ScannerListener> {
  const http = bounded(createHttpServer(handler));
  if (!tls) {
    http.maxConnections = MAX_CONNECTIONS;
    await bind(http, port);
    return { port, close: () => closeServers(http, [http]) };
  }
  const https = bounded(createHttpsServer({ key: tls.key, cert: tls.cert }, handler));
  const front = createNetServer({ pauseOnConnect: true }, (socket) => sniff(socket, http, https, limits.firstByteMs ?? FIRST_BYTE_MS));
  front.maxConnections = MAX_CONNECTIONS;
  await bind(front, port);
  return { port, close: () => closeServers(front, [http, https]) };
}

/** Timeouts shared by the plain and the TLS server. */
function bounded<S extends Server>(server: S): S {
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.setTimeout(SOCKET_IDLE_MS, (socket) => socket.destroy());
  return server;
}

/** Reads the first chunk and hands the socket, chunk put back, to the server that speaks its protocol. */
function sniff(socket: Socket, http: Server, https: Server, firstByteMs: number): void {
  socket.setTimeout(firstByteMs, () => socket.destroy());
  const failed = () => socket.destroy();
  socket.on('error', failed);
  socket.once('data', (head: Buffer) => {
    socket.pause();
    socket.setTimeout(0);
    socket.off('error', failed);
    socket.unshift(head);
    // The TLS server takes over the socket's handle and reads the put-back chunk itself; resuming
    // the raw socket would steal the handshake from it. The HTTP server reads the stream: resume it.
    if (head[0] === TLS_HANDSHAKE_BYTE) return void https.emit('connection', socket);
    http.emit('connection', socket);
    socket.resume();
  });
  socket.resume();
}

async function bind(server: NetServer, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServers(front: NetServer, servers: Server[]): Promise<void> {
  return new Promise((resolve) => {
    front.close(() => resolve());
    for (const server of servers) server.closeAllConnections();
  });
}
