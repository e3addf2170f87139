/** Reading a response body whole, but never more of it than a document may be. */
import type { Readable } from 'node:stream';

/**
 * Reads `body` as UTF-8 text of at most `maxBytes`; past that the body is destroyed and
 * `tooLarge()` is thrown, so a hostile device cannot make the gateway buffer without end.
 */
export async function readBoundedText(body: Readable, maxBytes: number, tooLarge: () => Error): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buf.length;
    if (total > maxBytes) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
