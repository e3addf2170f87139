/**
 * An eSCL scanner on a real socket, for tests and benchmarks. It serves a real
 * device's ScannerCapabilities, enforces them like a device (201/409/400/503),
 * keeps jobs and the feeder the way devices do, draws real pages, and can be
 * made to misbehave with the faults devices are known for.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScanError } from '../../../src/core/errors.js';
import { parseDeviceCaps, type SimDeviceCaps } from './device-caps.js';
import { DeviceModel } from './device-model.js';
import { FaultBook, truncateXml, type SimFault } from './faults.js';
import { DEFAULT_CAPABILITIES_FIXTURE, fixturePath } from './fixture-path.js';
import { BodyTooLarge, readBody, sendEmpty, sendXml } from './http-util.js';
import { locationHeader, trimSlashes } from './location.js';
import { MAX_REQUEST_BODY_BYTES, SIMULATOR_DEFAULTS, type EsclSimulatorOptions, type RecordedRequest } from './options.js';
import { renderIcon, renderPage } from './page-render.js';
import { personalizeCapabilities } from './personalize.js';
import { sendPageBody } from './page-sender.js';
import { parseScanSettings } from './scan-settings.js';
import type { SimJob } from './sim-job.js';
import { buildStatusXml } from './status-xml.js';
import { makeSelfSignedCert } from './self-signed.js';
import { WalkupDevice } from './walkup.js';

/** Icon path under the eSCL root (devices put it anywhere; the TXT record says where). */
const ICON_RESOURCE = 'Icon.png';

type Resolved = Required<Omit<EsclSimulatorOptions, 'requireHostHeader' | 'uuid' | 'makeAndModel' | 'hpWalkup'>> &
  Pick<EsclSimulatorOptions, 'requireHostHeader' | 'uuid' | 'makeAndModel' | 'hpWalkup'>;

/** A simulated eSCL scanner; `start()` listens, `stop()` closes every connection. */
export class EsclSimulator {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  private readonly options: Resolved;
  private readonly capabilitiesXml: string;
  private readonly caps: SimDeviceCaps;
  private readonly faults = new FaultBook();
  private readonly model: DeviceModel;
  private readonly sockets = new Set<Socket>();
  private stopping = new AbortController();
  private server: Server | undefined;
  private listenPort = 0;
  /** HP walk-up Scan to Computer (option `hpWalkup`): destinations, event table, `press()`, `restart()`. */
  readonly walkup: WalkupDevice | undefined;

  constructor(options: EsclSimulatorOptions = {}) {
    this.options = {
      ...SIMULATOR_DEFAULTS,
      capabilitiesFixture: fixturePath(DEFAULT_CAPABILITIES_FIXTURE),
      https: false,
      ...withoutUndefined(options),
    };
    this.capabilitiesXml = personalizeCapabilities(readFileSync(this.options.capabilitiesFixture, 'utf8'), this.options);
    this.caps = parseDeviceCaps(this.capabilitiesXml);
    this.model = new DeviceModel({
      caps: this.caps,
      faults: this.faults,
      basePath: this.options.basePath,
      locationStyle: this.options.locationStyle,
      adfPages: this.options.adfPages,
      emptyFeederAnswer: this.options.emptyFeederAnswer,
    });
    this.walkup = this.options.hpWalkup ? new WalkupDevice(() => this.origin) : undefined;
  }

  /** scheme://host:port of the device. */
  get origin(): string {
    return new URL(this.baseUrl).origin;
  }

  /** A power cycle: every connection drops, walk-up destinations and events are forgotten. */
  restart(): void {
    this.walkup?.restart();
    for (const socket of this.sockets) socket.destroy();
  }

  /** Listens on host:port; with `https`, makes a self-signed certificate first. */
  async start(): Promise<void> {
    if (this.server) return;
    this.stopping = new AbortController();
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const server = this.options.https ? createHttpsServer(await makeSelfSignedCert(), handler) : createServer(handler);
    server.on('connection', (socket: Socket) => this.track(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.listenPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every connection, including hung and half-sent pages. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.stopping.abort();
    this.walkup?.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    server.closeAllConnections();
    await closed;
  }

  /** Port actually listened on. */
  get port(): number {
    return this.listenPort;
  }

  /** eSCL root URL with a trailing slash, e.g. http://127.0.0.1:PORT/eSCL/. */
  get baseUrl(): string {
    const scheme = this.options.https ? 'https' : 'http';
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    return `${scheme}://${host}:${this.listenPort}${trimSlashes(this.options.basePath)}/`;
  }

  /** URL of the device icon (TXT `representation`). */
  get iconUrl(): string {
    return `${this.baseUrl}${ICON_RESOURCE}`;
  }

  /** Every job created so far (oldest first), with its state and whether it was DELETEd. */
  get jobs(): readonly SimJob[] {
    return this.model.jobs;
  }

  /** Jobs a client never DELETEd; a tidy client leaves this empty. */
  undeletedJobs(): SimJob[] {
    return this.model.jobs.filter((job) => !job.deleted);
  }

  /** The device capabilities the simulator enforces. */
  get capabilities(): SimDeviceCaps {
    return this.caps;
  }

  /** UUID announced for the device (option, else the fixture's). */
  get uuid(): string | undefined {
    return this.options.uuid ?? this.caps.uuid;
  }

  /** Make and model announced for the device (option, else the fixture's). */
  get makeAndModel(): string | undefined {
    return this.options.makeAndModel ?? this.caps.makeAndModel;
  }

  /** Replaces the feeder's contents with `pages` sheets and clears a jam. */
  loadAdf(pages: number): void {
    this.model.loadAdf(pages);
  }

  /** Arms a fault; `offline` also drops every open connection at once. */
  inject(fault: SimFault): void {
    this.faults.add(fault);
    if (fault.kind === 'offline') for (const socket of this.sockets) socket.destroy();
  }

  /** Disarms every fault. */
  clearFaults(): void {
    this.faults.clear();
  }

  private track(socket: Socket): void {
    if (this.faults.peek('offline')) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    try {
      body = await readBody(req, MAX_REQUEST_BODY_BYTES);
    } catch (error) {
      this.record(req, undefined);
      if (error instanceof BodyTooLarge) sendEmpty(res, 413, { Connection: 'close' });
      else res.destroy();
      return;
    }
    this.record(req, body);
    if (this.options.requireHostHeader !== undefined && req.headers.host !== this.options.requireHostHeader) {
      sendEmpty(res, 403);
      return;
    }
    try {
      await this.route(req, res, body);
    } catch {
      // A broken request or a vanished client must never take the simulator down.
      if (!res.headersSent) sendEmpty(res, 500);
      else res.destroy();
    }
  }

  private record(req: IncomingMessage, body: string | undefined): void {
    this.requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: body === undefined || body.length === 0 ? undefined : body,
      time: Date.now(),
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (this.walkup?.handle(req, res, body, path, new URL(req.url ?? '/', 'http://sim').searchParams)) return;
    const base = trimSlashes(this.options.basePath);
    if (!path.startsWith(`${base}/`)) return sendEmpty(res, 404);
    const resource = path.slice(base.length + 1);
    const method = req.method ?? '';
    if (resource === 'ScannerCapabilities') return this.onDocument(res, method, 'capabilities');
    if (resource === 'ScannerStatus') return this.onDocument(res, method, 'status');
    if (resource === ICON_RESOURCE && method === 'GET') return this.onIcon(res);
    if (resource === 'ScanJobs') return method === 'POST' ? this.onCreateJob(req, res, body) : sendEmpty(res, 405);
    const job = /^ScanJobs\/([^/]+)(\/NextDocument)?\/?$/.exec(resource);
    if (!job?.[1]) return sendEmpty(res, 404);
    const id = safeDecode(job[1]);
    if (job[2] && method === 'GET') return this.onNextDocument(res, id);
    if (!job[2] && method === 'DELETE') return sendEmpty(res, this.model.deleteJob(id, Date.now()) ? 200 : 404);
    return sendEmpty(res, job[2] ? 405 : this.model.findJob(id) ? 405 : 404);
  }

  private async onDocument(res: ServerResponse, method: string, target: 'capabilities' | 'status'): Promise<void> {
    if (method !== 'GET') return sendEmpty(res, 405);
    const slow = this.faults.take('slow-answer');
    if (slow) await sleep(slow.delayMs);
    if (res.destroyed) return;
    const xml = target === 'capabilities' ? this.capabilitiesXml : buildStatusXml(this.model.snapshot(Date.now()));
    const malformed = this.faults.peek('malformed-xml');
    if (malformed?.target === target) {
      this.faults.take('malformed-xml');
      return sendXml(res, truncateXml(xml));
    }
    sendXml(res, xml);
  }

  private async onIcon(res: ServerResponse): Promise<void> {
    const icon = await renderIcon();
    if (res.destroyed) return;
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': String(icon.length) });
    res.end(icon);
  }

  private onCreateJob(req: IncomingMessage, res: ServerResponse, body: string): void {
    let settings;
    try {
      settings = parseScanSettings(body);
    } catch (error) {
      if (error instanceof ScanError) return sendEmpty(res, 400);
      throw error;
    }
    const answer = this.model.createJob(settings, Date.now());
    if (answer.status !== 201) return sendEmpty(res, answer.status);
    const scheme = this.options.https ? 'https' : 'http';
    const [name, value] = locationHeader(this.options.locationStyle, answer.job, scheme, req.headers.host ?? `${this.options.host}:${this.port}`);
    sendEmpty(res, 201, { [name]: value });
  }

  private async onNextDocument(res: ServerResponse, id: string): Promise<void> {
    const job = this.model.findJob(id);
    if (!job) return sendEmpty(res, 404);
    // A hung device accepts the request and never answers; stop() or the client ends it.
    if (this.faults.take('hang')) return;
    const answer = this.model.nextDocument(job, Date.now());
    if (answer.status !== 200) return sendEmpty(res, answer.status);
    const signal = AbortSignal.any([this.stopping.signal, closedSignal(res)]);
    if (this.options.pageDelayMs > 0) await sleep(this.options.pageDelayMs, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    const { scan } = answer.job;
    const page = await renderPage({
      widthPx: scan.widthPx,
      heightPx: scan.heightPx,
      xResolution: scan.xResolution,
      yResolution: scan.yResolution,
      colorMode: scan.colorMode,
      documentFormat: scan.documentFormat,
      pageNumber: answer.pageNumber,
      imageKind: this.options.imageKind,
    });
    res.writeHead(200, { 'Content-Type': scan.documentFormat });
    res.flushHeaders();
    const slow = this.faults.take('slow-body');
    const cutDue = (this.faults.peek('cut-body')?.afterPages ?? 0) < answer.pageNumber;
    const cut = cutDue ? this.faults.take('cut-body') : undefined;
    await sendPageBody(res, page, { bytesPerSecond: slow?.bytesPerSecond, cutAfterBytes: cut?.afterBytes }, signal);
    const unplug = this.faults.peek('unplug');
    if (unplug && answer.pageNumber >= unplug.afterPages) {
      this.faults.take('unplug');
      // Only once the last byte left: the pages before the unplug reach the client whole.
      if (!res.writableFinished && !res.destroyed) await new Promise((resolve) => res.once('close', resolve).once('finish', resolve));
      this.inject({ kind: 'offline' });
    }
  }
}

function closedSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  return controller.signal;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
