/**
 * A wire-speed eSCL device for benchmarks: it answers ScannerCapabilities and ScannerStatus
 * from the AirSane captures, and NextDocument with one pre-made page (no rendering), in the
 * chunking chosen per run: the whole body in one write, fixed-size HTTP chunks (AirSane sends
 * one chunk per scan line, ~7.6 KB), or 64 KiB chunks. Loopback only.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixturePath } from '../test/sim/escl/fixture-path.js';
import type { WirePage } from './wire-pages.js';

/** How a page body goes on the wire: one write with Content-Length, or chunked in pieces of this many bytes. */
export type Chunking = 'whole' | number;
/** AirSane writes one HTTP chunk per scan line: 300 dpi A4 colour JPEG-in-PDF lines come to about this. */
export const AIRSANE_CHUNK_BYTES = 7_600;
/** What a fast device with a plain TCP writer sends per chunk. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

const CAPABILITIES = readFileSync(fixturePath('escl/airsane/airsane-ScannerCapabilities.xml'));
const STATUS_IDLE = readFileSync(fixturePath('escl/airsane/airsane-ScannerStatus-idle.xml'));

/** The wire-speed eSCL device. Set `pages`, `pagesPerJob` and `chunking` before each job. */
export class WireEsclSource {
  /** The page served for each requested DocumentFormat (MIME type). */
  pages: Partial<Record<string, WirePage>> = {};
  /** Pages a Feeder job delivers; a Platen job always one. */
  pagesPerJob = 1;
  chunking: Chunking = DEFAULT_CHUNK_BYTES;
  /** Count of every request by method and path pattern, to see per-page work the gateway does. */
  readonly requests = new Map<string, number>();
  private server: Server | undefined;
  private port = 0;
  private jobs = new Map<string, { left: number; mime: string }>();
  private nextJob = 1;

  /** The eSCL root URL. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/eSCL/`;
  }

  /** Listens on a free loopback port. */
  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Closes the listener and every open connection. */
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    this.server?.close();
    if (this.server) await once(this.server, 'close');
  }

  private count(key: string): void {
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body: Buffer[] = [];
    for await (const chunk of req) body.push(chunk as Buffer);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const job = /^\/eSCL\/ScanJobs\/(\d+)(\/NextDocument)?$/.exec(path);
    this.count(`${req.method} ${job ? path.replace(/\d+/, 'N') : path}`);
    if (req.method === 'GET' && path === '/eSCL/ScannerCapabilities') return xml(res, CAPABILITIES);
    if (req.method === 'GET' && path === '/eSCL/ScannerStatus') return xml(res, STATUS_IDLE);
    if (req.method === 'POST' && path === '/eSCL/ScanJobs') {
      const id = String(this.nextJob++);
      const settings = Buffer.concat(body).toString();
      const feeder = /<pwg:InputSource>\s*Feeder/.test(settings);
      const mime = /<pwg:DocumentFormat>\s*([^<\s]+)/.exec(settings)?.[1] ?? 'image/jpeg';
      this.jobs.set(id, { left: feeder ? this.pagesPerJob : 1, mime });
      res.writeHead(201, { location: `/eSCL/ScanJobs/${id}`, 'content-length': 0 }).end();
      return;
    }
    if (job && req.method === 'DELETE') {
      this.jobs.delete(job[1] as string);
      res.writeHead(200, { 'content-length': 0 }).end();
      return;
    }
    if (job && job[2] && req.method === 'GET') return this.nextDocument(job[1] as string, res);
    res.writeHead(404, { 'content-length': 0 }).end();
  }

  private async nextDocument(id: string, res: ServerResponse): Promise<void> {
    const job = this.jobs.get(id);
    const page = job ? this.pages[job.mime] : undefined;
    if (!job || job.left <= 0 || !page) {
      res.writeHead(404, { 'content-length': 0 }).end();
      return;
    }
    job.left -= 1;
    const { mime, bytes } = page;
    if (this.chunking === 'whole') {
      res.writeHead(200, { 'content-type': mime, 'content-length': bytes.length }).end(bytes);
      return;
    }
    res.writeHead(200, { 'content-type': mime, 'transfer-encoding': 'chunked' });
    for (let at = 0; at < bytes.length; at += this.chunking) {
      // One write is one HTTP chunk: node frames each write of a chunked response separately.
      if (!res.write(bytes.subarray(at, at + this.chunking))) await once(res, 'drain');
    }
    res.end();
  }
}

function xml(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, { 'content-type': 'text/xml', 'content-length': body.length }).end(body);
}
