/**
 * A stand-in for Home Assistant's ingress: serves `<prefix>/...` and forwards it, prefix stripped
 * and `X-Ingress-Path` added, from a chosen local address (the proxy's trusted address).
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running proxy. */
export interface IngressProxy {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts the proxy on a free loopback port in front of `upstreamPort`. */
export async function startIngressProxy(options: { upstreamPort: number; prefix: string; localAddress: string }): Promise<IngressProxy> {
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (!path.startsWith(`${options.prefix}/`)) {
      res.writeHead(404).end();
      return;
    }
    const upstream = request(
      { host: '127.0.0.1', port: options.upstreamPort, localAddress: options.localAddress, method: req.method, path: path.slice(options.prefix.length), headers: { ...req.headers, 'x-ingress-path': options.prefix } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.prefix}/`,
    stop: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
