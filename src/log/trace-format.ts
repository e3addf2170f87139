/**
 * How one trace record is written: a header line, headers, then the body — text verbatim
 * (so an eSCL or WSD reply can be cut out and become a fixture), binary as a short summary.
 * Pure: record in, text out.
 */
import type { TraceRecord } from '../core/trace.js';

/** How many leading bytes of a binary body are shown (hex). */
export const BINARY_PREVIEW_BYTES = 64;
/** How far into a Buffer body to look for bytes that make it binary. */
export const TEXT_SNIFF_BYTES = 4096;
/** What an auth header's value is replaced by, so a shared trace leaks no password. */
export const TRACE_REDACTED = '***';

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
const BINARY_CONTENT_TYPE = /^(image\/|application\/(pdf|octet-stream|zip))/i;

function headerValue(headers: TraceRecord['headers'], name: string): string | undefined {
  if (headers === undefined) return undefined;
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  const value = entry?.[1];
  return Array.isArray(value) ? value[0] : value;
}

/** True when a Buffer body is readable text: not declared as image/PDF, valid UTF-8, no NUL or odd control bytes. */
export function isTextBody(body: Buffer, contentType?: string): boolean {
  if (contentType !== undefined && BINARY_CONTENT_TYPE.test(contentType)) return false;
  const head = body.subarray(0, TEXT_SNIFF_BYTES);
  for (const byte of head) {
    // TAB, LF and CR occur in text; any other C0 byte means image or RPC data.
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return false;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

/** Line breaks would let a header or device name forge a record line; spaces would split a field. */
const oneLine = (text: string): string => text.replace(/[\r\n]+/g, ' ');
const oneToken = (text: string): string => (text.replace(/\s+/g, '_') || '-');

function formatHeaders(headers: TraceRecord['headers']): string[] {
  if (headers === undefined) return [];
  return Object.entries(headers).flatMap(([name, value]) => {
    if (value === undefined) return [];
    const values = Array.isArray(value) ? value : [value];
    // Indented, so a header called "body" cannot pass for the body line.
    return values.map((one) => `  ${oneLine(name)}: ${SECRET_HEADERS.has(name.toLowerCase()) ? TRACE_REDACTED : oneLine(one)}`);
  });
}

function formatBody(body: TraceRecord['body'], contentType: string | undefined): string[] {
  if (body === undefined) return ['body: none'];
  if (typeof body === 'string') return [`body: text, ${Buffer.byteLength(body)} bytes`, body];
  if (isTextBody(body, contentType)) return [`body: text, ${body.length} bytes`, body.toString('utf8')];
  const preview = body.subarray(0, BINARY_PREVIEW_BYTES).toString('hex');
  return [`body: binary, ${body.length} bytes, first ${Math.min(body.length, BINARY_PREVIEW_BYTES)} bytes hex: ${preview}`];
}

/** Starts every record line (and the cap note). */
export const RECORD_MARK = '===== ';

/**
 * One record as it appears in a trace file:
 * `===== <ISO time> <send|receive> <protocol> <device> <label>`, indented headers,
 * `body: text, N bytes` + N bytes verbatim | `body: binary, ...` | `body: none`, then a blank line.
 */
export function formatTraceRecord(record: TraceRecord, time: Date): string {
  const lines = [
    `${RECORD_MARK}${time.toISOString()} ${record.direction} ${oneToken(record.protocol)} ${oneToken(record.device)} ${oneLine(record.label)}`,
    ...formatHeaders(record.headers),
    ...formatBody(record.body, headerValue(record.headers, 'content-type')),
  ];
  return lines.join('\n') + '\n\n';
}

/** A file-name-safe form of a device name (`192.0.2.7:8080` → `192.0.2.7_8080`). */
export function safeFileToken(text: string): string {
  const token = text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 100);
  return token === '' ? 'device' : token;
}

/** The file a session's records for one device go to: `<protocol>-<device>-<timestamp>.log`. */
export function traceFileName(protocol: string, device: string, started: Date): string {
  const stamp = started.toISOString().replace(/:/g, '-');
  return `${safeFileToken(protocol)}-${safeFileToken(device)}-${stamp}.log`;
}
