/**
 * The web frontend's HTTP server (issue 15): the page, its JSON API over the gateway's typed
 * operations, live events, and the Library's files and renders. Sees only core types.
 */
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { Component } from '../core/component.js';
import { ScanError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { checkAccess, listenPlan, LOOPBACK_HOST, type FrontendSettings } from './access.js';
import { answerApi, positiveInteger, scannerDetails, type ApiDeps } from './api.js';
import { createEventStreams } from './event-stream.js';
import { readJsonBody, SECURITY_HEADERS, sendError, sendJson } from './http-io.js';
import { createPreviewStore } from './preview-sink.js';
import { loadStaticAssets, type StaticAssets } from './static-assets.js';

/** A request taking longer than this to arrive whole is dropped (slowloris). */
const REQUEST_TIMEOUT_MS = 30_000;
const DOCUMENT_PAGE = /^documents\/([^/]+)\/pages\/(\d{1,6})\.jpg$/;
const DOCUMENT_FILE = /^documents\/([^/]+)\/file$/;
const SCANNER_PREVIEW = /^scanners\/([^/]+)\/preview\.jpg$/;

/** What the server is built from. */
export interface WebServerDeps extends Omit<ApiDeps, 'previews'> {
  settings: FrontendSettings;
  logger: Logger;
  /** Folder of the page's files (tests and the benchmark may point elsewhere). */
  assetsFolder?: string;
}

/** The frontend as a component, plus where it listens once started. */
export interface WebServer extends Component {
  /** The bound address, once listening. */
  address(): AddressInfo | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the server; nothing listens until start(). */
export function createWebServer(deps: WebServerDeps): WebServer {
  const { settings, logger } = deps;
  const previews = createPreviewStore();
  const api: ApiDeps = { ...deps, previews };
  const streams = createEventStreams(deps.gateway, deps.logs);
  let server: Server | undefined;
  let assets: StaticAssets | undefined;

  // The profiles ride along: the Scan page builds its profile select from the snapshot.
  const snapshot = () => ({
    scanners: deps.gateway.listScanners().map((view) => scannerDetails(api, view)),
    bridge: { ...deps.bridge(), profiles: deps.gateway.listProfiles() },
  });

  async function serveApi(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === 'events') {
      if (!streams.open(res, { logs: query.get('logs') === '1', snapshot: snapshot() })) sendJson(res, 503, { error: { code: 'LimitExceeded', message: 'too many open event streams' } });
      return;
    }
    let match: RegExpExecArray | null;
    if (method === 'GET' && deps.library && (match = DOCUMENT_PAGE.exec(path))) {
      const size = query.get('size') === 'page' ? 'page' : 'thumb';
      const { jpeg } = await deps.library.render(decodeURIComponent(match[1]!), positiveInteger(match[2]!, 'page'), size);
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'image/jpeg', 'Content-Length': String(jpeg.length), 'Cache-Control': 'private, max-age=300' });
      res.end(jpeg);
      return;
    }
    if (method === 'GET' && deps.library && (match = DOCUMENT_FILE.exec(path))) {
      const file = await deps.library.file(decodeURIComponent(match[1]!));
      const disposition = query.get('download') === '1' ? 'attachment' : 'inline';
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': file.mimeType, 'Content-Length': String(file.bytes), 'Content-Disposition': `${disposition}; filename="${file.name.replace(/[^\w.-]/g, '_')}"`, 'Cache-Control': 'private, no-cache' });
      await pipeline(createReadStream(file.path), res);
      return;
    }
    if (method === 'GET' && (match = SCANNER_PREVIEW.exec(path))) {
      const preview = previews.get(decodeURIComponent(match[1]!));
      if (!preview) throw new ScanError('NotFound', 'no preview yet');
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'image/jpeg', 'Content-Length': String(preview.jpeg.length), 'Cache-Control': 'no-store' });
      res.end(preview.jpeg);
      return;
    }
    const segments = path.split('/').map((s) => decodeURIComponent(s));
    const answer = await answerApi(api, { method, path: segments, query, body: () => readJsonBody(req) });
    sendJson(res, answer.status, answer.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://frontend.invalid');
    const access = checkAccess(settings, { headers: req.headers, remoteAddress: req.socket.remoteAddress, queryToken: url.searchParams.get('token') });
    if (!access.allowed) {
      req.resume();
      res.writeHead(401, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'WWW-Authenticate': 'Bearer realm="scan2mqtt"', 'Cache-Control': 'no-store' });
      res.end('401 Unauthorized: open the frontend with ?token=<frontend.auth_token> or send Authorization: Bearer <token>\n');
      return;
    }
    if (access.setCookie) res.setHeader('Set-Cookie', access.setCookie);
    const path = url.pathname.replace(/^\/+/, '');
    if (path.startsWith('api/')) {
      await serveApi(req, res, path.slice('api/'.length), url.searchParams);
      return;
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && assets?.serve(req, res, path, access.ingressPath)) return;
    sendJson(res, 404, { error: { code: 'NotFound', message: 'not found' } });
  }

  return {
    name: 'web frontend',
    address: () => (server?.address() as AddressInfo | null) ?? undefined,
    async start() {
      if (!settings.enabled) {
        logger.info('web frontend disabled (frontend.enabled=false)');
        return;
      }
      assets = await loadStaticAssets(deps.assetsFolder);
      const plan = listenPlan(settings);
      if (plan.loopbackOnly) {
        const { asked, message } = plan.loopbackOnly;
        if (asked === '' || asked === LOOPBACK_HOST) logger.info(message);
        else logger.warn(message);
      }
      const created = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
        handle(req, res).catch((error: unknown) => {
          if (!(error instanceof ScanError)) logger.warn({ err: error, url: req.url?.split('?')[0] }, 'frontend request failed');
          if (res.headersSent) res.destroy();
          else sendError(res, error);
        });
      });
      server = created;
      streams.start();
      try {
        await new Promise<void>((done, fail) => {
          created.once('error', fail);
          created.listen(settings.port, plan.host, () => {
            created.off('error', fail);
            done();
          });
        });
      } catch (error) {
        // One part failing (a port taken) does not take the gateway down: scanning and MQTT go on.
        logger.error({ err: error, host: plan.host, port: settings.port }, 'web frontend could not listen; running without it');
        server = undefined;
        streams.stop();
        return;
      }
      const bound = created.address() as AddressInfo;
      logger.info({ host: bound.address, port: bound.port, auth: settings.auth_token !== '' ? 'token' : 'none', ingress_proxy: settings.ingress_proxy || undefined, page_bytes_gzip: assets.weight.gzipped }, 'web frontend listening');
    },
    async stop() {
      const running = server;
      server = undefined;
      streams.stop();
      if (!running) return;
      await new Promise<void>((done) => {
        running.close(() => done());
        running.closeAllConnections();
      });
    },
  };
}
