/** Reading JSON requests and writing JSON answers and errors for the frontend's API. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidRequest, ScanError, type ErrorCode } from '../core/errors.js';

/** Largest JSON body the API reads (a scan command is well under 1 KiB). */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

/** HTTP status for each error code a handler may throw. */
const STATUS_FOR: Partial<Record<ErrorCode, number>> = {
  InvalidRequest: 400,
  AccessDenied: 403,
  NotFound: 404,
  DeviceBusy: 409,
  Unsupported: 422,
  LimitExceeded: 413,
  DeviceOffline: 503,
  Timeout: 504,
  InsufficientStorage: 507,
};

/** Headers on every answer: no sniffing, no referrer leaking a `?token=`, frames only from the same origin (HA ingress). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; object-src 'self'; frame-src 'self'; frame-ancestors 'self'",
};

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes `{error:{code,message}}` with the status for its code. */
export function sendError(res: ServerResponse, error: unknown): void {
  const scanError = error instanceof ScanError ? error : new ScanError('Internal', error instanceof Error ? error.message : String(error));
  sendJson(res, STATUS_FOR[scanError.code] ?? 500, { error: { code: scanError.code, message: scanError.message } });
}

/** Reads a JSON body (an empty body reads as `{}`); refuses other content types, oversize bodies and bad JSON. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_JSON_BODY_BYTES): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  // A cross-site form can only send form or text types; insisting on JSON keeps such posts out.
  if (!type.toLowerCase().startsWith('application/json')) {
    req.resume();
    throw invalidRequest('send the body as application/json');
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw new ScanError('LimitExceeded', `body larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ScanError('LimitExceeded', `body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalidRequest('body is not valid JSON');
  }
}
