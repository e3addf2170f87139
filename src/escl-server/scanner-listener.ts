/** The HTTP(S) server of one shared scanner on its own port. */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

/** Connections one shared scanner takes at once; more are closed on arrival (bounded memory under a flood). */
export const MAX_CONNECTIONS = 256;
/** Idle keep-alive connections are closed this soon, so clients' pools cannot hold every slot. */
export const KEEP_ALIVE_MS = 2000;
/** A connection idle this long (a reader that stopped reading, a client that went away) is closed. */
export const SOCKET_IDLE_MS = 60_000;

/** Key and certificate (PEM) for HTTPS. */
export interface TlsPair {
  key: string;
  cert: string;
}

/** Listens on `port` (every address, both families where the host has them); resolves once bound. */
export async function listenScanner(port: number, tls: TlsPair | undefined, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
  server.maxConnections = MAX_CONNECTIONS;
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.setTimeout(SOCKET_IDLE_MS, (socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** Stops accepting and closes every connection. */
export function closeScanner(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
