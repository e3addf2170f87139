/**
 * A tiny scripted eSCL device on 127.0.0.1 for driver tests: each test supplies the few
 * behaviours it checks; every request is recorded. (The full simulator lives in test/sim/escl.)
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { FIXTURES as SHARED_FIXTURES } from '../../../helpers/fixtures.js';

/** One request as the device saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Answers one request; returning false leaves it to the defaults (capabilities, DELETE 200, else 404). */
export type Responder = (req: SeenRequest, res: ServerResponse) => void | boolean | Promise<void | boolean>;

/** A running fake device. */
export interface FakeDevice {
  port: number;
  baseUrl: string;
  requests: SeenRequest[];
  /** Requests with this method (and path suffix, when given). */
  seen(method: string, pathEnd?: string): SeenRequest[];
  close(): Promise<void>;
}

const FIXTURES = `${SHARED_FIXTURES}/escl`;
/** Capabilities of a Brother MFC-L8690CDW (platen, ADF, duplex). */
export const BROTHER_CAPS = readFileSync(`${FIXTURES}/capabilities/brother-mfc-l8690cdw.xml`, 'utf8');

/** A minimal ScannerStatus document. */
export function statusXml(state: string, adf?: string, jobs: { uri: string; state: string; toTransfer?: number }[] = []): string {
  const jobXml = jobs
    .map((j) => `<scan:JobInfo><pwg:JobUri>${j.uri}</pwg:JobUri><pwg:JobState>${j.state}</pwg:JobState>${j.toTransfer !== undefined ? `<pwg:ImagesToTransfer>${j.toTransfer}</pwg:ImagesToTransfer>` : ''}</scan:JobInfo>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><scan:ScannerStatus xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm"><pwg:Version>2.6</pwg:Version><pwg:State>${state}</pwg:State>${adf ? `<scan:AdfState>${adf}</scan:AdfState>` : ''}<scan:Jobs>${jobXml}</scan:Jobs></scan:ScannerStatus>`;
}

/** Sends an XML body. */
export function sendXml(res: ServerResponse, xml: string, status = 200): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(xml);
}

/** Sends a bodiless status. */
export function sendStatus(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-length': '0' });
  res.end();
}

/** Starts a fake device; `tls` makes it HTTPS with that key/certificate. */
export async function startFakeDevice(respond: Responder, tls?: { key: string; cert: string }): Promise<FakeDevice> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(seen);
      void (async () => {
        const handled = await respond(seen, res);
        if (handled !== false) return;
        if (seen.method === 'GET' && seen.path.endsWith('/ScannerCapabilities')) sendXml(res, BROTHER_CAPS);
        else if (seen.method === 'DELETE') sendStatus(res, 200);
        else sendStatus(res, 404);
      })();
    });
  };
  const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handler) : createHttpServer(handler);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    baseUrl: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/eSCL/`,
    requests,
    seen: (method, pathEnd) => requests.filter((r) => r.method === method && (pathEnd === undefined || r.path.endsWith(pathEnd))),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
