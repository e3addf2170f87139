/**
 * The page's own files (src/web/assets, copied to dist/web/assets by the build), read once at
 * start, kept gzipped beside the plain bytes, served with an ETag. Only the files found there
 * are served: a request path is a key into that table, never a path on disk.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { SECURITY_HEADERS } from './http-io.js';

/** Where the assets sit next to this module, in src/ (tsx) and in dist/ (the build copies them). */
export const ASSETS_FOLDER = fileURLToPath(new URL('./assets/', import.meta.url));
/** The page's entry; `{{BASE}}` in it becomes a `<base>` element under Home Assistant ingress. */
export const INDEX_FILE = 'index.html';
const BASE_MARK = '<!--{{BASE}}-->';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
};

interface Asset {
  type: string;
  plain: Buffer;
  gzipped: Buffer;
  etag: string;
}

/** The loaded files. */
export interface StaticAssets {
  /** Serves `name` (`''` is the index); false when there is no such asset. */
  serve(req: IncomingMessage, res: ServerResponse, name: string, ingressPath?: string): boolean;
  /** Total bytes of every asset, plain and gzipped (for the page-weight benchmark and the log). */
  readonly weight: { plain: number; gzipped: number };
}

function asset(type: string, plain: Buffer): Asset {
  return { type, plain, gzipped: gzipSync(plain, { level: 9 }), etag: `"${createHash('sha256').update(plain).digest('base64url').slice(0, 22)}"` };
}

/** Reads every asset of `folder`. */
export async function loadStaticAssets(folder = ASSETS_FOLDER): Promise<StaticAssets> {
  const table = new Map<string, Asset>();
  for (const name of await readdir(folder)) {
    const type = TYPES[extname(name)];
    if (type) table.set(name, asset(type, await readFile(join(folder, name))));
  }
  const index = table.get(INDEX_FILE);
  const weight = { plain: 0, gzipped: 0 };
  for (const a of table.values()) {
    weight.plain += a.plain.length;
    weight.gzipped += a.gzipped.length;
  }
  return {
    weight,
    serve(req, res, name, ingressPath) {
      let found = table.get(name === '' ? INDEX_FILE : name);
      if (!found) return false;
      if (found === index && ingressPath !== undefined) {
        // The ingress prefix is checked to be a plain path (src/web/access.ts) before it gets here.
        found = asset(found.type, Buffer.from(found.plain.toString('utf8').replace(BASE_MARK, `<base href="${ingressPath}/">`)));
      }
      const headers: Record<string, string> = { ...SECURITY_HEADERS, 'Content-Type': found.type, ETag: found.etag, 'Cache-Control': 'no-cache', Vary: 'Accept-Encoding' };
      if (req.headers['if-none-match'] === found.etag) {
        res.writeHead(304, headers);
        res.end();
        return true;
      }
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      const body = gzip ? found.gzipped : found.plain;
      res.writeHead(200, { ...headers, 'Content-Length': String(body.length), ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}
