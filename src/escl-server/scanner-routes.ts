/**
 * The HTTP face of one shared scanner: the eSCL resources under `/eSCL` (the root SANE's escl
 * backend and VueScan assume), the admin page at `/` and the icon. Access is checked first:
 * a peer outside the allow list gets 403 and nothing else.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockList, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ScanError } from '../core/errors.js';
import type { GatewayApi } from '../core/gateway-api.js';
import type { Logger } from '../core/logger.js';
import { encodeScannerCapabilities } from '../protocols/escl/server-capabilities.js';
import { encodeScanImageInfo, encodeScannerStatus } from '../protocols/escl/server-status.js';
import { MAX_SCAN_SETTINGS_BYTES } from '../protocols/escl/scan-settings-in.js';
import { checkBasicAuth, isAllowed, type BasicCredentials } from './access.js';
import { adminPageHtml, iconPng } from './admin-page.js';
import type { SharedIdentity } from './port-book.js';
import { JOBS_PATH, type ServedJob } from './served-job.js';
import type { SharedScanner } from './shared-scanner.js';

/** How long NextDocument waits for a page before answering 503 with Retry-After. */
export const NEXT_DOCUMENT_WAIT_MS = 20_000;
/** Seconds a client is told to wait (Retry-After) when a page is not ready or the scanner is busy. */
export const RETRY_AFTER_S = 2;
/** Icon path (the capabilities' IconURI, DNS-SD `representation`). */
export const ICON_PATH = '/icon.png';
/** A Host header we echo into URLs: a name or address and a port, nothing else. */
const SAFE_HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.%]{2,60}\](:\d{1,5})?$/;

/** What the routes of one shared scanner use. */
export interface ScannerRoutesDeps {
  scanner: SharedScanner;
  gateway: GatewayApi;
  identity: SharedIdentity;
  allow: BlockList;
  credentials?: BasicCredentials;
  /** The URL published as `shared_url`. */
  sharedUrl: string;
  logger: Logger;
}

/** Handles one request; never throws (errors become HTTP statuses). */
export async function handleScannerRequest(req: IncomingMessage, res: ServerResponse, deps: ScannerRoutesDeps): Promise<void> {
  askedAgain(req.socket);
  if (!isAllowed(deps.allow, req.socket.remoteAddress)) return void end(res, 403);
  if (deps.credentials && !checkBasicAuth(req.headers.authorization, deps.credentials)) {
    return void end(res, 401, { 'WWW-Authenticate': 'Basic realm="scan2mqtt", charset="UTF-8"' });
  }
  const path = (req.url ?? '/').split('?')[0]!.replace(/\/{2,}/g, '/');
  try {
    await route(req, res, path, deps);
  } catch (error) {
    deps.logger.warn({ err: error, path }, 'eSCL request failed');
    if (!res.headersSent) end(res, 500);
    else res.destroy();
  }
}

async function route(req: IncomingMessage, res: ServerResponse, path: string, deps: ScannerRoutesDeps): Promise<void> {
  const method = req.method ?? 'GET';
  if (path === '/eSCL/ScannerCapabilities') return method === 'GET' ? capabilities(req, res, deps) : end(res, 405);
  if (path === '/eSCL/ScannerStatus') return method === 'GET' ? xml(res, encodeScannerStatus(deps.scanner.status())) : end(res, 405);
  if (path === JOBS_PATH || path === `${JOBS_PATH}/`) return method === 'POST' ? createJob(req, res, deps) : end(res, 405);
  if (path.startsWith(`${JOBS_PATH}/`)) return jobResource(req, res, path.slice(JOBS_PATH.length + 1).split('/'), deps);
  if (path === ICON_PATH || path === '/eSCL/icon.png') return method === 'GET' ? send(res, 200, 'image/png', await iconPng()) : end(res, 405);
  if (path === '/' || path === '/eSCL' || path === '/eSCL/') {
    if (method !== 'GET') return end(res, 405);
    const history = deps.gateway.history({ scanner: deps.scanner.deps.scannerId, limit: 10 });
    return send(res, 200, 'text/html; charset=utf-8', Buffer.from(adminPageHtml(deps.gateway.getScanner(deps.scanner.deps.scannerId), deps.scanner.status(), history, deps.sharedUrl)));
  }
  end(res, 404);
}

function capabilities(req: IncomingMessage, res: ServerResponse, deps: ScannerRoutesDeps): void {
  const view = deps.gateway.getScanner(deps.scanner.deps.scannerId);
  if (!view?.capabilities) return end(res, 503, { 'Retry-After': String(RETRY_AFTER_S) });
  const base = baseUrl(req, deps);
  const makeAndModel = [view.manufacturer, view.model].filter(Boolean).join(' ') || view.name;
  xml(
    res,
    encodeScannerCapabilities(view.capabilities, {
      uuid: deps.identity.uuid,
      makeAndModel,
      ...(view.manufacturer ? { manufacturer: view.manufacturer } : {}),
      ...(view.serial ? { serial: view.serial } : {}),
      adminUri: `${base}/`,
      iconUri: `${base}${ICON_PATH}`,
    }),
  );
}

async function createJob(req: IncomingMessage, res: ServerResponse, deps: ScannerRoutesDeps): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) return end(res, 413, { Connection: 'close' });
  let job: ServedJob;
  try {
    job = await deps.scanner.submit(body);
  } catch (error) {
    const status = statusForError(error);
    deps.logger.info({ status, err: error instanceof ScanError ? error.message : error }, 'eSCL job refused');
    return end(res, status, status === 503 ? { 'Retry-After': String(RETRY_AFTER_S) } : {});
  }
  // Spelled exactly so: SANE's escl backend 1.2.1 looks for "Location:" case-sensitively.
  res.setHeader('Location', `${baseUrl(req, deps)}${job.uri}`);
  end(res, 201);
}

async function jobResource(req: IncomingMessage, res: ServerResponse, parts: string[], deps: ScannerRoutesDeps): Promise<void> {
  const job = deps.scanner.job(parts[0] ?? '');
  if (!job) return end(res, 404);
  job.touch();
  const method = req.method ?? 'GET';
  if (parts.length === 1) return method === 'DELETE' ? deps.scanner.remove(job).then(() => end(res, 200)) : end(res, 405);
  if (parts.length !== 2 || method !== 'GET') return end(res, parts.length === 2 ? 405 : 404);
  if (parts[1] === 'NextDocument') return nextDocument(req, res, job);
  if (parts[1] === 'ScanImageInfo') {
    const page = job.lastServed;
    if (!page) return end(res, 404);
    return xml(res, encodeScanImageInfo({ jobUri: job.uri, jobUuid: job.uuid, widthPx: page.widthPx, heightPx: page.heightPx, bytesPerLine: page.bytesPerLine }));
  }
  end(res, 404);
}

/**
 * The next page: served when ready (and counted only once the client got it whole, so a dropped
 * connection gets the same page again); waited for a while; then 503 + Retry-After; 404 at the end
 * of the batch, never 409 (Windows reads 409 after the last page as a jam). Error bodies stay
 * empty: SANE's escl backend writes any body it gets into the image.
 */
async function nextDocument(req: IncomingMessage, res: ServerResponse, job: ServedJob): Promise<void> {
  const deadline = Date.now() + NEXT_DOCUMENT_WAIT_MS;
  let gone = false;
  req.once('close', () => (gone = true));
  res.once('close', () => (gone = true));
  for (;;) {
    if (gone) return;
    const index = job.nextIndex;
    const page = job.pages[index];
    if (page && !job.final) {
      job.lastServed = page;
      res.writeHead(200, { 'Content-Type': page.mime, 'Content-Length': page.bytes });
      const file = createReadStream(page.path);
      file.once('error', () => res.destroy());
      job.sending(index);
      watchDelivery(res, file, page.bytes, () => job.undelivered(index));
      file.pipe(res);
      return;
    }
    if (job.final || job.ended) return end(res, 404);
    const left = deadline - Date.now();
    if (left <= 0) return end(res, 503, { 'Retry-After': String(RETRY_AFTER_S) });
    await job.changed(left);
  }
}

/**
 * Calls `broken` when the page did not reach the client. Written out is not enough: a whole page
 * may sit in socket buffers when the client drops, and then its kernel answers the unread data
 * with a reset. So a page counts as broken off when the response did not finish, or when its
 * connection is later reset (a client that read everything closes cleanly or asks again on it).
 * A client that read the whole page often closes before our last write's callback runs: all
 * bytes read from the file and none left queued counts as finished.
 */
function watchDelivery(res: ServerResponse, file: ReturnType<typeof createReadStream>, bytes: number, broken: () => void): void {
  const socket = res.socket;
  res.once('close', () => {
    const finished = res.writableFinished || (file.bytesRead >= bytes && (socket?.writableLength ?? 0) === 0);
    if (!finished) return broken();
    if (!socket) return;
    // The reset may have come in before this close event ran.
    if (socket.destroyed) return void (socket.errored ? broken() : undefined);
    const onClose = (hadError: boolean) => {
      if (watching.get(socket) === stop) watching.delete(socket);
      if (hadError) broken();
    };
    const stop = () => socket.off('close', onClose);
    watching.set(socket, stop);
    socket.once('close', onClose);
  });
}

/** Connections whose last page is watched for a reset; a new request on one ends the watch (the client read it). */
const watching = new WeakMap<Socket, () => void>();

/** A request arrived on `socket`: the page before it on this connection was read. */
function askedAgain(socket: Socket): void {
  watching.get(socket)?.();
  watching.delete(socket);
}

/** The HTTP status for a refused job. */
export function statusForError(error: unknown): number {
  const code = error instanceof ScanError ? error.code : 'Internal';
  if (code === 'ProtocolError') return 400;
  if (code === 'InvalidRequest' || code === 'Unsupported' || code === 'NotFound') return 409;
  if (code === 'DeviceBusy' || code === 'DeviceOffline' || code === 'InsufficientStorage') return 503;
  return 500;
}

/** The scheme and host this client reached us by (its Host header when sane, else our own address). */
function baseUrl(req: IncomingMessage, deps: ScannerRoutesDeps): string {
  // TLS and plain HTTP share the port: the scheme is the one this connection speaks.
  const scheme = (req.socket as TLSSocket).encrypted === true ? 'https' : 'http';
  const host = req.headers.host;
  if (host !== undefined && SAFE_HOST.test(host)) return `${scheme}://${host}`;
  const local = req.socket.localAddress ?? '127.0.0.1';
  const address = local.includes(':') && !local.startsWith('::ffff:') ? `[${local}]` : local.replace(/^::ffff:/, '');
  return `${scheme}://${address}:${deps.identity.port}`;
}

/** Reads a request body up to the ScanSettings bound; undefined when larger. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_SCAN_SETTINGS_BYTES) return undefined;
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_SCAN_SETTINGS_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function xml(res: ServerResponse, text: string): void {
  send(res, 200, 'text/xml; charset=utf-8', Buffer.from(text));
}

function send(res: ServerResponse, status: number, type: string, body: Buffer): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length });
  res.end(body);
}

function end(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Length': 0 });
  res.end();
}
