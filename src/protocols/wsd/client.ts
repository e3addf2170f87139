/**
 * The one file of the WS-Scan client that touches the network: SOAP 1.2 POSTs with undici,
 * a pool per device origin, timeouts on every request, the caller's abort signal, bounded
 * XML reads, streamed MTOM responses and protocol tracing. Faults become typed ScanErrors
 * whatever the HTTP status (devices send them with 200 and with 500).
 */
import type { Readable } from 'node:stream';
import { ScanError, protocolError } from '../../core/errors.js';
import { readBoundedText } from '../../http/bounded-body.js';
import type { DeviceHttpOptions } from '../../http/device-http-options.js';
import { OriginPools } from '../../http/origin-pools.js';
import { basicAuthorization, hostWithPort, redactAuthorization } from '../../http/request-headers.js';
import { traceExchange } from '../../http/trace-exchange.js';
import { transportError as mapTransportError } from '../../http/transport-error.js';
import { MAX_SOAP_XML_BYTES } from '../../xml/namespaced-xml.js';
import { faultToError, readFault } from './faults.js';
import { readMtomMessage, type MtomMessage } from './mtom.js';
import { parseSoapEnvelope, type SoapRequest } from './soap.js';

/** Connections per device: one long RetrieveImage plus status reads and a CancelJob. */
const CONNECTIONS_PER_DEVICE = 4;
/** The request Content-Type WS-Scan devices expect (PROTOCOLS.md B.4). */
export const SOAP_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

/** How the HTTP side of one device is reached. */
export type WsdClientOptions = DeviceHttpOptions;

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
  headersTimeoutMs?: number;
}

interface RawResponse {
  status: number;
  contentType: string | undefined;
  body: Readable;
}

/** SOAP access to one WSD device. Call `close()` to release its sockets. */
export class WsdClient {
  private readonly pools: OriginPools;
  private closed = false;

  constructor(private readonly options: WsdClientOptions) {
    const { connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs } = options;
    this.pools = new OriginPools({ connections: CONNECTIONS_PER_DEVICE, connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs });
  }

  /** POSTs a request and returns the response XML; faults and HTTP failures throw ScanErrors. */
  async call(url: string, request: SoapRequest, operation: string, opts: CallOptions = {}): Promise<string> {
    const res = await this.post(url, request, operation, opts);
    const xml = await this.readText(res, operation, opts.signal);
    if (res.status !== 200 && res.status !== 202) throw this.httpFailure(res.status, xml, operation);
    return xml;
  }

  /**
   * POSTs RetrieveImage. A multipart answer is read as MTOM (resolved once the image starts);
   * anything else is a fault (also with HTTP 200) or a ProtocolError.
   */
  async callMtom(url: string, request: SoapRequest, operation: string, imageIdOf: (soapXml: string) => string | undefined, opts: CallOptions = {}): Promise<MtomMessage> {
    const res = await this.post(url, request, operation, opts);
    if (res.status === 200 && /^\s*multipart\/related\s*(;|$)/i.test(res.contentType ?? '')) {
      const message = await readMtomMessage(res.body, res.contentType, (xml) => {
        this.trace('receive', `${operation} SOAP part`, undefined, xml);
        return imageIdOf(xml);
      });
      message.done.then(
        (bytes) => this.trace('receive', `${operation} image part`, undefined, `${bytes} bytes of ${message.imageType ?? 'unknown type'}`),
        () => {},
      );
      return message;
    }
    const xml = await this.readText(res, operation, opts.signal);
    if (res.status !== 200) throw this.httpFailure(res.status, xml, operation);
    const fault = tryFault(xml);
    if (fault) throw faultToError(fault, operation);
    throw protocolError(`${operation}: expected a multipart/related (MTOM) answer, got ${JSON.stringify(res.contentType ?? 'no Content-Type')}`);
  }

  /** Releases every socket of this device. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pools.close();
  }

  private async post(url: string, request: SoapRequest, operation: string, opts: CallOptions): Promise<RawResponse> {
    if (this.closed) throw new ScanError('DeviceOffline', `${this.options.deviceLabel}: client closed`);
    let target: URL;
    try {
      target = new URL(url);
    } catch (error) {
      throw new ScanError('InvalidRequest', `invalid WSD service URL "${url}"`, { cause: error });
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new ScanError('InvalidRequest', `WSD service URL must be http or https: ${url}`);
    const headers = this.requestHeaders(target);
    this.trace('send', `POST ${target.pathname} ${operation}`, redactAuthorization(headers), request.xml);
    try {
      // Self-signed certificates are accepted only for an HTTPS device marked insecure.
      const res = await this.pools.get(target, target.protocol === 'https:' && this.options.insecureTls === true).request({
        method: 'POST',
        path: `${target.pathname}${target.search}`,
        headers,
        body: request.xml,
        signal: opts.signal ?? null,
        headersTimeout: opts.headersTimeoutMs ?? this.options.headersTimeoutMs,
        bodyTimeout: this.options.bodyTimeoutMs,
      });
      this.trace('receive', `${res.statusCode} ${operation}`, res.headers);
      const type = res.headers['content-type'];
      return { status: res.statusCode, contentType: Array.isArray(type) ? type[0] : type, body: res.body };
    } catch (error) {
      throw transportError(error, opts.signal, `${this.options.deviceLabel}: ${operation}`);
    }
  }

  private async readText(res: RawResponse, operation: string, signal?: AbortSignal): Promise<string> {
    let text: string;
    try {
      text = await readBoundedText(res.body, MAX_SOAP_XML_BYTES, () => protocolError(`${operation}: response larger than ${MAX_SOAP_XML_BYTES} bytes`));
    } catch (error) {
      throw transportError(error, signal, `${this.options.deviceLabel}: reading the ${operation} response`);
    }
    this.trace('receive', `${operation} body`, undefined, text);
    return text;
  }

  private httpFailure(status: number, body: string, operation: string): ScanError {
    const fault = tryFault(body);
    if (fault) return faultToError(fault, operation);
    if (status === 401 || status === 403) return new ScanError('AccessDenied', `${operation}: access refused (HTTP ${status})`);
    if (status === 503) return new ScanError('DeviceBusy', `${operation}: scanner busy (HTTP 503)`);
    if (status === 404) return new ScanError('ProtocolError', `${operation}: not found (HTTP 404); is the WS-Scan service URL right?`);
    return new ScanError('DeviceError', `${operation}: HTTP ${status}`);
  }

  private requestHeaders(target: URL): Record<string, string> {
    const headers: Record<string, string> = { host: hostWithPort(target), 'content-type': SOAP_CONTENT_TYPE };
    const authorization = basicAuthorization(this.options.credentials);
    if (authorization !== undefined) headers.authorization = authorization;
    return headers;
  }

  private trace(direction: 'send' | 'receive', label: string, headers?: Record<string, string | string[] | undefined>, body?: string): void {
    traceExchange(this.options.tracer, { protocol: 'wsd', device: this.options.deviceLabel, direction, label }, headers, body);
  }
}

/** The fault in a body, if it is a SOAP envelope holding one; anything unparseable is no fault. */
function tryFault(xml: string): ReturnType<typeof readFault> {
  try {
    return readFault(parseSoapEnvelope(xml, 'response'));
  } catch {
    return undefined;
  }
}

/** Maps any network failure to a ScanError: aborts become Cancelled, timeouts Timeout, the rest DeviceOffline. */
export function transportError(error: unknown, signal: AbortSignal | undefined, what: string): ScanError {
  return mapTransportError(error, signal, what, { timeoutsAsTimeout: true });
}
