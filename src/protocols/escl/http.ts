/**
 * The one file of the eSCL client that touches the network: an undici pool per device
 * origin, timeouts on every request, the Host/auth/redirect quirks of PROTOCOLS.md A.3,
 * bounded XML reads, streamed page bodies and protocol tracing.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { Pool } from 'undici';
import { ScanError, protocolError } from '../../core/errors.js';
import { readBoundedText } from '../../http/bounded-body.js';
import type { DeviceHttpOptions } from '../../http/device-http-options.js';
import { OriginPools } from '../../http/origin-pools.js';
import { parseZonedUrl } from '../../http/zoned-url.js';
import { basicAuthorization, hostWithPort, redactAuthorization } from '../../http/request-headers.js';
import { traceExchange } from '../../http/trace-exchange.js';
import { transportError } from '../../http/transport-error.js';
import { MAX_XML_BYTES } from './xml.js';

/** Connections per device: one long NextDocument plus status polls and a DELETE. */
const CONNECTIONS_PER_DEVICE = 4;
/**
 * Page bytes buffered between the socket and the consumer. Devices send small HTTP chunks
 * (AirSane one per scan line, ~7.6 KB); a 16 KiB default buffer paused and resumed the socket on
 * almost every chunk, which made a 13 MB page take seconds instead of a tenth of one.
 */
export const PAGE_BUFFER_BYTES = 1024 * 1024;
/** Redirect hops followed before giving up (Canon D570 needs one). */
const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 307, 308]);

/** How the HTTP side of one device is reached. */
export interface EsclHttpOptions extends DeviceHttpOptions {
  /** Base URL of the eSCL root, e.g. `http://127.0.0.1:8080/eSCL/`. */
  baseUrl: string;
  /** Overrides the Host header (some HP devices only accept `localhost`). */
  hostHeader?: string;
}

/** One request to the device; `path` is absolute on the device (`/eSCL/ScannerStatus`). */
export interface EsclRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: string;
  signal?: AbortSignal;
  /** Overrides the default wait for response headers (NextDocument blocks until the page is scanned). */
  headersTimeoutMs?: number;
  /** Extra request headers (the walk-up event table's If-None-Match). */
  headers?: Record<string, string>;
}

/** A response whose body has not been read yet. */
export interface EsclResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /** The path finally answered (after redirects), for messages and traces. */
  path: string;
}

/** What a fully streamed page body amounted to. */
export interface PageTransfer {
  bytes: number;
  elapsedMs: number;
}

/** HTTP access to one eSCL device. Call `close()` to release its sockets. */
export class EsclHttp {
  /** Path of the eSCL root on the device, always ending with `/`. */
  readonly basePath: string;
  private readonly base: URL;
  /** The IPv6 zone of a link-local device address, kept apart because URL refuses it. */
  private readonly zone: string | undefined;
  private readonly pools: OriginPools;
  private closed = false;

  constructor(private readonly options: EsclHttpOptions) {
    const { connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs } = options;
    this.pools = new OriginPools({ connections: CONNECTIONS_PER_DEVICE, connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs });
    let base: URL;
    try {
      ({ url: base, zone: this.zone } = parseZonedUrl(options.baseUrl));
    } catch (error) {
      throw new ScanError('InvalidRequest', `invalid eSCL base URL "${options.baseUrl}"`, { cause: error });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new ScanError('InvalidRequest', `eSCL base URL must be http or https: ${options.baseUrl}`);
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.basePath = base.pathname;
  }

  /** Sends a request and returns once headers arrive; redirects to the same host are followed. */
  async request(req: EsclRequest): Promise<EsclResponse> {
    if (this.closed) throw new ScanError('DeviceOffline', `${this.options.deviceLabel}: client closed`);
    let origin = new URL(this.base.origin);
    let path = req.path;
    for (let hop = 0; ; hop += 1) {
      const res = await this.dispatch(origin, path, req);
      const location = headerValue(res.headers, 'location');
      if (!REDIRECT_STATUSES.has(res.status) || location === undefined || hop >= MAX_REDIRECTS) return res;
      const target = this.sameDeviceTarget(location, origin);
      if (!target) return res;
      discard(res);
      this.options.logger.debug({ from: `${origin.origin}${path}`, to: target.href }, 'eSCL redirect');
      origin = new URL(target.origin);
      path = `${target.pathname}${target.search}`;
    }
  }

  /** Reads an XML body, at most MAX_XML_BYTES; a bigger or broken body is a ProtocolError/DeviceOffline. */
  async readXml(res: EsclResponse, signal?: AbortSignal): Promise<string> {
    let text: string;
    try {
      text = await readBoundedText(res.body, MAX_XML_BYTES, () => protocolError(`${res.path}: XML body larger than ${MAX_XML_BYTES} bytes`));
    } catch (error) {
      throw transportError(error, signal, `${this.options.deviceLabel}: reading ${res.path}`);
    }
    this.trace('receive', `body of ${res.path}`, undefined, text);
    return text;
  }

  /**
   * Wraps a page body in a stream for the consumer. Errors from the device end the stream
   * with a ScanError; `done` settles when the consumer has read it all (or it failed).
   */
  streamPage(res: EsclResponse, signal: AbortSignal): { data: Readable; done: Promise<PageTransfer> } {
    const started = Date.now();
    let bytes = 0;
    const data = new PassThrough({ highWaterMark: PAGE_BUFFER_BYTES });
    const done = new Promise<PageTransfer>((resolve, reject) => {
      data.on('end', () => resolve({ bytes, elapsedMs: Date.now() - started }));
      data.on('error', reject);
      data.on('close', () => {
        if (!data.readableEnded) reject(data.errored ?? new ScanError('Internal', `${res.path}: page stream closed before it was read`));
        if (!res.body.destroyed) res.body.destroy();
      });
    });
    done.catch(() => {});
    res.body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (!data.write(chunk)) res.body.pause();
    });
    data.on('drain', () => res.body.resume());
    res.body.on('end', () => {
      this.trace('receive', `body of ${res.path}`, undefined, `${bytes} bytes of ${headerValue(res.headers, 'content-type') ?? 'unknown type'}`);
      data.end();
    });
    res.body.on('error', (error) => data.destroy(transportError(error, signal, `${this.options.deviceLabel}: page ${res.path} cut off after ${bytes} bytes`)));
    return { data, done };
  }

  /** Releases every socket of this device. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pools.close();
  }

  private async dispatch(origin: URL, path: string, req: EsclRequest): Promise<EsclResponse> {
    const headers = this.requestHeaders(origin, req);
    this.trace('send', `${req.method} ${path}`, redactAuthorization(headers), req.body);
    try {
      const res = await this.poolFor(origin).request({
        method: req.method,
        path,
        headers,
        body: req.body ?? null,
        signal: req.signal ?? null,
        headersTimeout: req.headersTimeoutMs ?? this.options.headersTimeoutMs,
        bodyTimeout: this.options.bodyTimeoutMs,
      });
      const response: EsclResponse = { status: res.statusCode, headers: res.headers, body: res.body, path };
      this.trace('receive', `${res.statusCode} ${req.method} ${path}`, res.headers);
      return response;
    } catch (error) {
      throw transportError(error, req.signal, `${this.options.deviceLabel}: ${req.method} ${path}`);
    }
  }

  private requestHeaders(origin: URL, req: EsclRequest): Record<string, string> {
    const headers: Record<string, string> = { ...req.headers, host: this.options.hostHeader ?? hostWithPort(origin) };
    if (req.body !== undefined) headers['content-type'] = 'text/xml';
    const authorization = basicAuthorization(this.options.credentials);
    if (authorization !== undefined) headers.authorization = authorization;
    return headers;
  }

  /** A redirect target on the same host as the device (the scheme or port may change), else undefined. */
  private sameDeviceTarget(location: string, current: URL): URL | undefined {
    let target: URL;
    try {
      target = new URL(location, current);
    } catch {
      return undefined;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return undefined;
    return target.hostname.toLowerCase() === current.hostname.toLowerCase() ? target : undefined;
  }

  private poolFor(origin: URL): Pool {
    // TLS checks are relaxed for this device only: for an HTTPS device marked insecure, or
    // for an http→https redirect to the same host (Canon D570), which is no weaker than the plain HTTP it replaces.
    const relaxTls = origin.protocol === 'https:' && (this.options.insecureTls === true || this.base.protocol === 'http:');
    // The zone belongs to the device's own address; a redirect keeps the host (sameDeviceTarget), so it keeps the zone.
    return this.pools.get(origin, relaxTls, this.zone);
  }

  private trace(direction: 'send' | 'receive', label: string, headers?: Record<string, string | string[] | undefined>, body?: string): void {
    traceExchange(this.options.tracer, { protocol: 'escl', device: this.options.deviceLabel, direction, label }, headers, body);
  }
}

/** Drops a response body we do not need; errors on the way out do not matter. */
export function discard(res: EsclResponse): void {
  res.body.on('error', () => {});
  res.body.destroy();
}

/** A header as one string (the first value when repeated). */
export function headerValue(headers: EsclResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Maps any network failure to a ScanError: aborts become Cancelled, everything else DeviceOffline. */
export { transportError };
