/** Small HTTP helpers shared by the simulator's handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';

/** Thrown by readBody when the client sends more than the limit. */
export class BodyTooLarge extends Error {
  constructor(limit: number) {
    super(`request body over ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/** Reads the whole request body as UTF-8, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge(limit));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Answers with a status and an empty body (devices send no body on errors or 201). */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, STATUS_CODES[status], { ...headers, 'Content-Length': '0' });
  res.end();
}

/** Answers with an XML document. */
export function sendXml(res: ServerResponse, xml: string): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(xml, 'utf8');
  res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': String(body.length) });
  res.end(body);
}
