/**
 * Delivers documents to a WebDAV share (RFC 4918) with undici: MKCOL for each missing folder,
 * then one streamed PUT. Names are deterministic (template of job id and page), so a retry after
 * a lost answer overwrites the same file instead of making a second one: exactly once.
 */
import { createReadStream } from 'node:fs';
import type * as Undici from 'undici';
import { undiciModule } from '../../http/undici-module.js';
import type { StoredFile } from '../../core/job.js';
import type { Logger } from '../../core/logger.js';
import { DeliveryError, httpDeliveryError, networkDeliveryError } from '../delivery/delivery-error.js';
import { checkTemplate, DEFAULT_FILENAME_TEMPLATE, renderDocumentPath } from '../folder/filename-template.js';
import type { DeliveryContext, OutputDocument, StorageTarget } from '../target.js';
import type { WebdavTargetConfig } from './target-config.js';

/** Time allowed for headers of any answer; the upload body itself streams without a total limit. */
export const WEBDAV_HEADERS_TIMEOUT_MS = 60_000;
/** Time allowed between body chunks. */
export const WEBDAV_BODY_TIMEOUT_MS = 60_000;
/** Largest error body read. */
const MAX_ERROR_BODY = 4096;

/** Options of the WebDAV target. */
export interface WebdavTargetOptions {
  logger: Logger;
}

/** The folder segments and file name for `relativeName` below the optional configured folder. */
export function webdavPath(folder: string | undefined, relativeName: string): { folders: string[]; file: string } {
  const segments = [...(folder ?? '').split('/'), ...relativeName.split('/')].filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) throw new DeliveryError(`WebDAV path "${relativeName}" leaves the share folder`, false);
  const file = segments.pop();
  if (file === undefined) throw new DeliveryError('empty WebDAV file name', false);
  return { folders: segments, file };
}

/** Reads at most MAX_ERROR_BODY characters of an answer and discards the rest. */
async function drain(body: import('undici').Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  for await (const chunk of body) if (text.length < MAX_ERROR_BODY) text += Buffer.from(chunk as Uint8Array).toString('utf8');
  return text.slice(0, MAX_ERROR_BODY);
}

/** Creates a WebDAV target. */
export function createWebdavTarget(config: WebdavTargetConfig, options: WebdavTargetOptions): StorageTarget {
  const template = config.filename_template ?? DEFAULT_FILENAME_TEMPLATE;
  checkTemplate(template);
  const base = new URL(config.url.endsWith('/') ? config.url : `${config.url}/`);
  const headers: Record<string, string> = {};
  if (config.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;
  const logger = options.logger.child({ component: 'webdav', target: config.name });
  const timeouts = { headersTimeout: WEBDAV_HEADERS_TIMEOUT_MS, bodyTimeout: WEBDAV_BODY_TIMEOUT_MS };
  const urlOf = (segments: string[], collection: boolean) => new URL(segments.map(encodeURIComponent).join('/') + (collection ? '/' : ''), base);

  /** One request; network failures become retryable DeliveryErrors. */
  async function send(method: string, url: URL, extra: Omit<Parameters<typeof Undici.request>[1] & object, 'method'> = {}) {
    try {
      return await undiciModule().request(url, { method, ...timeouts, ...extra, headers: { ...headers, ...(extra.headers as Record<string, string> | undefined) } });
    } catch (error) {
      throw networkDeliveryError(`WebDAV ${method} ${url.origin}`, error);
    }
  }

  /**
   * MKCOL each level; 405 (exists) and 301 are fine. Known levels are remembered per process,
   * and a level being created is awaited rather than created twice: retries from the outbox and
   * a new job can deliver to the same folder at once, and racing MKCOLs confuse some servers.
   */
  const known = new Set<string>();
  const creating = new Map<string, Promise<void>>();
  async function makeFolder(url: URL): Promise<void> {
    const res = await send('MKCOL', url);
    const body = await drain(res.body);
    // 409: the level above is missing, i.e. the configured URL itself does not exist (RFC 4918 §9.3.1).
    if (res.statusCode === 409) throw new DeliveryError(`WebDAV MKCOL ${url.pathname}: HTTP 409, the collection ${base.pathname} does not exist (check targets.${config.name}.url)`, false);
    if (res.statusCode !== 201 && res.statusCode !== 405 && res.statusCode !== 301) throw httpDeliveryError(`WebDAV MKCOL ${url.pathname}`, res.statusCode, body);
    known.add(url.href);
  }
  async function makeFolders(folders: string[]): Promise<void> {
    for (let i = 1; i <= folders.length; i++) {
      const url = urlOf(folders.slice(0, i), true);
      if (known.has(url.href)) continue;
      let pending = creating.get(url.href);
      if (!pending) {
        pending = makeFolder(url).finally(() => creating.delete(url.href));
        creating.set(url.href, pending);
      }
      await pending;
    }
  }

  return {
    name: config.name,
    async deliver(doc: OutputDocument, ctx: DeliveryContext): Promise<StoredFile[]> {
      const relativeName = renderDocumentPath(template, doc, ctx);
      const { folders, file } = webdavPath(config.folder, relativeName);
      await makeFolders(folders);
      const url = urlOf([...folders, file], false);
      const res = await send('PUT', url, {
        body: createReadStream(doc.path),
        headers: { 'content-type': doc.mimeType, 'content-length': String(doc.bytes) },
      });
      const body = await drain(res.body);
      if (res.statusCode === 409) {
        known.clear(); // a folder vanished meanwhile: make them again on the next attempt
        throw new DeliveryError(`WebDAV PUT ${url.pathname}: HTTP 409 (missing folder)`, true);
      }
      if (res.statusCode < 200 || res.statusCode > 299) throw httpDeliveryError(`WebDAV PUT ${url.pathname}`, res.statusCode, body);
      logger.info({ url: url.pathname, pages: doc.pages, bytes: doc.bytes }, 'document stored on WebDAV');
      return [{ path: url.href, format: doc.format, bytes: doc.bytes, pages: doc.pages }];
    },
  };
}
