/**
 * A WSD scanner on loopback HTTP: WS-Transfer Get metadata at /DeviceService/, WS-Scan at
 * /WSDScanner (GetScannerElements, ValidateScanTicket, CreateScanJob, RetrieveImage as MTOM
 * with real JPEG/PNG pages from sharp, CancelJob, GetActiveJobs), faults on demand with
 * HTTP 200 or 500. Follows WS-Scan and the Kyocera captures, not the client under test.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { nsChild, nsInt, nsPath, nsText, parseNsXml, type NsElement } from '../../../src/xml/namespaced-xml.js';
import { SimEventing } from './eventing-sim.js';
import { PageCache } from './pages.js';
import { NS, defaultModel, envelope, faultBody, metadataBody, scannerConfiguration, scannerStatus, serviceMetadataBody, type SimWsdModel } from './device-model.js';

/** A fault to answer an operation with. */
export interface SimFault {
  subcode: string;
  reason?: string;
  /** HTTP status of the fault (devices use 500, some 200). */
  httpStatus?: 200 | 400 | 500;
  /** How many calls get it (default 1). */
  times?: number;
}

/** A scan job as the simulated device keeps it. */
export interface SimJob {
  id: number;
  token: string;
  source: string;
  format: string;
  color: string;
  dpi: number;
  widthUnits: number;
  heightUnits: number;
  images: number;
  delivered: number;
  cancelled: boolean;
}

/** One request the simulator saw. */
export interface SimRequest {
  path: string;
  action: string;
  body: string;
}

/** Start options. */
export interface WsdSimOptions {
  model?: Partial<SimWsdModel>;
  /** Sheets in the feeder (each gives two images for ADFDuplex). */
  adfSheets?: number;
  /** Address to listen on (default 127.0.0.1; a device namespace's address in discovery tests). */
  host?: string;
  /** Port to listen on (default: a free one). */
  port?: number;
}

/** Ways a broken device answers: CreateScanJob with XML that is no SOAP; RetrieveImage as text/html or with a wrong boundary. */
export type BrokenAnswer = 'malformed-soap' | 'wrong-content-type' | 'broken-multipart';

const MAX_REQUEST_BYTES = 1024 * 1024;
const BOUNDARY = 'uuid:sim-mtom-boundary-7f3a';

/** A running simulated device. */
export class WsdSimulator {
  readonly model: SimWsdModel;
  readonly requests: SimRequest[] = [];
  readonly faults = new Map<string, SimFault>();
  readonly jobs = new Map<number, SimJob>();
  adfSheets: number;
  state = 'Idle';
  reasons: string[] = [];
  conditions: { name: string; component: string }[] = [];
  /** Wait before RetrieveImage answers (a slow scan, to cancel during). */
  imageDelayMs = 0;
  /** The fault that ends a batch: WS-Scan's, or Ricoh Aficio MP 201's JobIdNotFound. */
  endOfBatchFault = 'ClientErrorNoImagesAvailable';
  /** Answer RetrieveImage with a bare image instead of MTOM (a broken device). */
  bareImageResponse = false;
  /** WS-Eventing: subscriptions, the panel, presses and status events. */
  readonly eventing = new SimEventing(() => this.scanUrl);
  /** The ScanIdentifier and DestinationToken of every CreateScanJob that carried them. */
  readonly panelJobs: { scanIdentifier: string; destinationToken?: string }[] = [];
  /** Answer as a broken device does (see BrokenAnswer). */
  brokenAnswer: BrokenAnswer | undefined;
  private readonly pages = new PageCache();
  private nextJobId = 1;
  private port = 0;
  private readonly host: string;

  private constructor(private readonly server: Server, options: WsdSimOptions) {
    this.model = defaultModel(options.model);
    this.adfSheets = options.adfSheets ?? 3;
    this.host = options.host ?? '127.0.0.1';
  }

  /** Starts a simulator on 127.0.0.1 and a free port. */
  static async start(options: WsdSimOptions = {}): Promise<WsdSimulator> {
    const server = createServer();
    const sim = new WsdSimulator(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) =>
      void sim.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
        else res.destroy();
      }),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, sim.host, resolve);
    });
    sim.port = (server.address() as AddressInfo).port;
    return sim;
  }

  /** The XAddr (device metadata endpoint). */
  get xaddr(): string {
    return `${this.origin}/DeviceService/`;
  }

  /** `http://host:port`. */
  get origin(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** The scanner service URL. */
  get scanUrl(): string {
    return `${this.origin}/WSDScanner`;
  }

  /** Actions seen, by local name (`CreateScanJob`, `Get`, …). */
  actions(): string[] {
    return this.requests.map((r) => r.action.slice(r.action.lastIndexOf('/') + 1));
  }

  /** The device rebooted: subscriptions and tokens are forgotten and its metadata version moves on. */
  restart(): void {
    this.eventing.restart();
    this.model.metadataVersion += 1;
  }

  /** Stops the server. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (req.method !== 'POST' || !/^application\/soap\+xml/i.test(req.headers['content-type'] ?? '')) return void res.writeHead(415).end();
    let doc: NsElement;
    try {
      doc = parseNsXml(body, 'request');
    } catch {
      return this.reply(res, 400, envelope(`${NS.wsa}/fault`, undefined, faultBody('InvalidArgs', 'malformed request')));
    }
    const header = nsChild(doc, NS.soap, 'Header');
    const action = nsText(header, NS.wsa, 'Action') ?? '';
    const messageId = nsText(header, NS.wsa, 'MessageID');
    const path = req.url ?? '/';
    this.requests.push({ path, action, body });
    const op = action.slice(action.lastIndexOf('/') + 1);
    const requestBody = nsChild(doc, NS.soap, 'Body')?.children[0];
    const fault = this.takeFault(op);
    if (fault) return this.reply(res, fault.httpStatus ?? 500, envelope(`${NS.wsa}/fault`, messageId, faultBody(fault.subcode, fault.reason ?? fault.subcode)));
    if (path === '/DeviceService/' && action === 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Get') {
      return this.reply(res, 200, envelope('http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse', messageId, metadataBody(this.model, this.scanUrl, `${this.origin}/WSDPrinter`)));
    }
    if (path === '/WSDScanner' && this.model.hasScanner && action === `${NS.mex}/GetMetadata/Request`) {
      // DPWS: a hosted service answers GetMetadata with its relationship to the hosting device.
      return this.reply(res, 200, envelope(`${NS.mex}/GetMetadata/Response`, messageId, serviceMetadataBody(this.model, this.scanUrl)));
    }
    if (path === '/WSDScanner' && this.model.hasScanner && action.startsWith('http://schemas.xmlsoap.org/ws/2004/08/eventing/')) {
      const reply = this.eventing.handle(op, messageId, header, requestBody);
      return this.reply(res, reply.status, reply.xml);
    }
    if (path !== '/WSDScanner' || !this.model.hasScanner || !action.startsWith(`${NS.scan}/`)) {
      return this.reply(res, 500, envelope(`${NS.wsa}/fault`, messageId, faultBody('addressing:DestinationUnreachable', `no such service: ${path} ${action}`)));
    }
    const answer = (name: string, content: string) => this.reply(res, 200, envelope(`${NS.scan}/${name}Response`, messageId, `<scan:${name}Response>${content}</scan:${name}Response>`));
    switch (op) {
      case 'GetScannerElements':
        return answer('GetScannerElements', this.elements(requestBody));
      case 'ValidateScanTicket':
        return answer('ValidateScanTicket', '<scan:ValidationInfo><scan:ValidTicket>true</scan:ValidTicket></scan:ValidationInfo>');
      case 'CreateScanJob':
        return this.createJob(res, messageId, requestBody);
      case 'RetrieveImage':
        return this.retrieveImage(res, messageId, requestBody);
      case 'CancelJob': {
        const job = this.jobs.get(nsInt(requestBody, NS.scan, 'JobId') ?? -1);
        if (!job || job.cancelled) return this.reply(res, 500, envelope(`${NS.wsa}/fault`, messageId, faultBody('ClientErrorJobIdNotFound', 'no such job')));
        job.cancelled = true;
        this.state = 'Idle';
        return answer('CancelJob', '');
      }
      case 'GetActiveJobs': {
        const active = [...this.jobs.values()].filter((j) => !j.cancelled && j.delivered < j.images);
        return answer('GetActiveJobs', `<scan:ActiveJobs>${active.map((j) => `<scan:Job><scan:JobStatus><scan:JobId>${j.id}</scan:JobId><scan:JobState>Processing</scan:JobState></scan:JobStatus></scan:Job>`).join('')}</scan:ActiveJobs>`);
      }
      default:
        return this.reply(res, 500, envelope(`${NS.wsa}/fault`, messageId, faultBody('addressing:ActionNotSupported', op)));
    }
  }

  private elements(request: NsElement | undefined): string {
    const names = (nsChild(request, NS.scan, 'RequestedElements')?.children ?? []).map((n) => n.text.slice(n.text.indexOf(':') + 1));
    return `<scan:ScannerElements>${names
      .map((name) => {
        const content =
          name === 'ScannerDescription'
            ? `<scan:ScannerDescription><scan:ScannerName>${this.model.model}</scan:ScannerName><scan:ScannerInfo>sim</scan:ScannerInfo></scan:ScannerDescription>`
            : name === 'ScannerConfiguration'
              ? scannerConfiguration(this.model)
              : name === 'ScannerStatus'
                ? scannerStatus(this.state, this.reasons, this.conditions)
                : undefined;
        return content === undefined ? `<scan:ElementData Name="scan:${name}" Valid="false"/>` : `<scan:ElementData Name="scan:${name}" Valid="true">${content}</scan:ElementData>`;
      })
      .join('')}</scan:ScannerElements>`;
  }

  private createJob(res: ServerResponse, messageId: string | undefined, request: NsElement | undefined): void {
    if (this.brokenAnswer === 'malformed-soap') return void res.writeHead(200, { 'content-type': 'application/soap+xml' }).end(`<SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soap}"><SOAP-ENV:Body><scan:CreateScanJobResponse>`);
    const scanIdentifier = nsText(request, NS.scan, 'ScanIdentifier');
    if (scanIdentifier !== undefined) {
      const destinationToken = nsText(request, NS.scan, 'DestinationToken');
      this.panelJobs.push({ scanIdentifier, ...(destinationToken !== undefined ? { destinationToken } : {}) });
      const refusal = this.eventing.checkPanelJob(scanIdentifier, destinationToken);
      if (refusal) return this.reply(res, 500, envelope(`${NS.wsa}/fault`, messageId, faultBody(refusal, 'not a job the panel started')));
    }
    const params = nsPath(request, [NS.scan, 'ScanTicket'], [NS.scan, 'DocumentParameters']);
    const front = nsPath(params, [NS.scan, 'MediaSides'], [NS.scan, 'MediaFront']);
    const region = nsChild(front, NS.scan, 'ScanRegion');
    const source = nsText(params, NS.scan, 'InputSource') ?? 'Platen';
    const format = nsText(params, NS.scan, 'Format') ?? 'jfif';
    if (!this.model.formats.includes(format)) return this.reply(res, 500, envelope(`${NS.wsa}/fault`, messageId, faultBody('ClientErrorFormatNotSupported', format)));
    const requested = nsInt(params, NS.scan, 'ImagesToTransfer') ?? 0;
    const perSheet = source === 'ADFDuplex' ? 2 : 1;
    const available = source === 'Platen' ? 1 : this.adfSheets * perSheet;
    const job: SimJob = {
      id: this.nextJobId++,
      token: `tok-${Math.random().toString(36).slice(2)}`,
      source,
      format,
      color: nsText(front, NS.scan, 'ColorProcessing') ?? 'RGB24',
      dpi: nsInt(nsChild(front, NS.scan, 'Resolution'), NS.scan, 'Width') ?? 300,
      widthUnits: nsInt(region, NS.scan, 'ScanRegionWidth') ?? 8500,
      heightUnits: nsInt(region, NS.scan, 'ScanRegionHeight') ?? 11000,
      images: requested > 0 ? Math.min(requested, available) : available,
      delivered: 0,
      cancelled: false,
    };
    this.jobs.set(job.id, job);
    this.state = 'Processing';
    const ppl = Math.round((job.widthUnits / 1000) * job.dpi);
    const lines = Math.round((job.heightUnits / 1000) * job.dpi);
    this.reply(
      res,
      200,
      envelope(
        `${NS.scan}/CreateScanJobResponse`,
        messageId,
        `<scan:CreateScanJobResponse><scan:JobId>${job.id}</scan:JobId><scan:JobToken>${job.token}</scan:JobToken>` +
          `<scan:ImageInformation><scan:MediaFrontImageInfo><scan:PixelsPerLine>${ppl}</scan:PixelsPerLine><scan:NumberOfLines>${lines}</scan:NumberOfLines><scan:BytesPerLine>${ppl * 3}</scan:BytesPerLine></scan:MediaFrontImageInfo></scan:ImageInformation>` +
          `<scan:DocumentFinalParameters><scan:Format>${format}</scan:Format><scan:InputSource>${source}</scan:InputSource></scan:DocumentFinalParameters></scan:CreateScanJobResponse>`,
      ),
    );
  }

  private async retrieveImage(res: ServerResponse, messageId: string | undefined, request: NsElement | undefined): Promise<void> {
    const job = this.jobs.get(nsInt(request, NS.scan, 'JobId') ?? -1);
    if (!job || job.cancelled || nsText(request, NS.scan, 'JobToken') !== job.token) return this.reply(res, 500, envelope(`${NS.wsa}/fault`, messageId, faultBody('ClientErrorJobIdNotFound', 'no such job')));
    if (job.delivered >= job.images) {
      this.state = 'Idle';
      return this.reply(res, 500, envelope(`${NS.wsa}/fault`, messageId, faultBody(this.endOfBatchFault, 'no more images')));
    }
    if (this.imageDelayMs > 0) await delay(this.imageDelayMs);
    if (job.cancelled || res.destroyed) return void res.destroy();
    job.delivered += 1;
    if (job.source !== 'Platen' && job.delivered % (job.source === 'ADFDuplex' ? 2 : 1) === 0) this.adfSheets = Math.max(0, this.adfSheets - 1);
    const image = await this.pages.get(job, job.delivered);
    if (this.brokenAnswer && this.brokenAnswer !== 'malformed-soap') return this.answerBroken(res, this.brokenAnswer, image);
    if (this.bareImageResponse) return void res.writeHead(200, { 'content-type': 'image/jpeg' }).end(image);
    const root = envelope(`${NS.scan}/RetrieveImageResponse`, messageId, `<scan:RetrieveImageResponse><scan:ScanData><xop:Include href="cid:image${job.delivered}%40sim"/></scan:ScanData></scan:RetrieveImageResponse>`);
    res.writeHead(200, { 'content-type': `multipart/related; type="application/xop+xml"; boundary="${BOUNDARY}"; start="<root@sim>"; start-info="application/soap+xml"` });
    res.write(`--${BOUNDARY}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"\r\nContent-ID: <root@sim>\r\n\r\n${root}\r\n`);
    res.write(`--${BOUNDARY}\r\nContent-Type:${job.format === 'png' ? 'image/png' : 'image/jpeg'}\r\nContent-Transfer-Encoding: binary\r\nContent-ID: <image${job.delivered}@sim>\r\n\r\n`);
    // Written in pieces, as a device streams a page while it scans.
    for (let at = 0; at < image.length; at += 16 * 1024) {
      if (!res.write(image.subarray(at, at + 16 * 1024))) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end(`\r\n--${BOUNDARY}--`);
    if (job.delivered >= job.images) this.state = 'Idle';
  }

  private answerBroken(res: ServerResponse, kind: BrokenAnswer, image: Buffer): void {
    if (kind === 'wrong-content-type') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Service unavailable</body></html>');
    res.writeHead(200, { 'content-type': `multipart/related; type="application/xop+xml"; boundary="${BOUNDARY}"; start="<root@sim>"` });
    // The body uses another boundary than the header announces.
    res.end(Buffer.concat([Buffer.from(`--not-${BOUNDARY}\r\nContent-Type: image/jpeg\r\n\r\n`), image, Buffer.from(`\r\n--not-${BOUNDARY}--`)]));
  }

  private takeFault(op: string): SimFault | undefined {
    const fault = this.faults.get(op);
    if (!fault) return undefined;
    const left = (fault.times ?? 1) - 1;
    if (left <= 0) this.faults.delete(op);
    else this.faults.set(op, { ...fault, times: left });
    return fault;
  }

  private reply(res: ServerResponse, status: number, xml: string): void {
    res.writeHead(status, { 'content-type': 'application/soap+xml; charset=utf-8' });
    res.end(xml);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > MAX_REQUEST_BYTES) throw new Error('request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
