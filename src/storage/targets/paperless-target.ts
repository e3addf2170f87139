/**
 * Delivers documents to paperless-ngx: POST /api/documents/post_document/ (multipart, token auth),
 * which answers with a consumption task id; optionally polls GET /api/tasks/?task_id= until the
 * task ends, so a document paperless rejects is reported instead of silently lost.
 */
import { openAsBlob } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Response as UndiciResponse } from 'undici';
import { undiciModule } from '../../http/undici-module.js';
import type { StoredFile } from '../../core/job.js';
import type { Logger } from '../../core/logger.js';
import { DeliveryError, httpDeliveryError, networkDeliveryError } from '../delivery/delivery-error.js';
import type { DeliveryContext, OutputDocument, StorageTarget } from '../target.js';
import type { PaperlessTargetConfig } from './target-config.js';
import { documentTitle, fileNameFor } from './document-naming.js';
import { renderTitle } from '../title-template.js';

/** How often the task state is asked for while waiting. */
export const TASK_POLL_INTERVAL_MS = 1000;
/** How long to wait for the consumption task by default. */
export const DEFAULT_TASK_TIMEOUT_S = 300;
/** Limit of any one HTTP exchange (the upload itself streams and may take longer on slow links). */
export const PAPERLESS_REQUEST_TIMEOUT_MS = 120_000;
/** Largest response body read (task lists, error pages). */
const MAX_RESPONSE_CHARS = 256 * 1024;

/** Extra knobs for tests. */
export interface PaperlessTargetOptions {
  logger: Logger;
  taskPollIntervalMs?: number;
}

/** Reads a response body as text, bounded. */
async function boundedText(response: UndiciResponse): Promise<string> {
  const text = await response.text();
  return text.slice(0, MAX_RESPONSE_CHARS);
}

/** The task UUID paperless answers with: a JSON string (or, on old versions, the bare text). */
export function parseTaskId(body: string): string {
  let value: unknown = body.trim();
  try {
    value = JSON.parse(body);
  } catch {
    // bare text
  }
  if (typeof value === 'object' && value !== null && 'task_id' in value) value = (value as { task_id: unknown }).task_id;
  if (typeof value !== 'string' || !/^[0-9a-fA-F-]{8,64}$/.test(value)) throw new DeliveryError(`paperless answered without a task id: ${body.slice(0, 100)}`, false);
  return value;
}

/** Status of the task in a /api/tasks/ answer (a list of task objects). */
export function parseTaskStatus(body: string, taskId: string): { status: string; result?: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new DeliveryError('paperless task list is not JSON', true);
  }
  const list = Array.isArray(value) ? value : typeof value === 'object' && value !== null && 'results' in value ? (value as { results: unknown }).results : [];
  if (!Array.isArray(list)) return undefined;
  const task = list.find((t): t is Record<string, unknown> => typeof t === 'object' && t !== null && (t as { task_id?: unknown }).task_id === taskId);
  if (task === undefined || typeof task.status !== 'string') return undefined;
  return { status: task.status, ...(typeof task.result === 'string' ? { result: task.result } : {}) };
}

/** Creates a paperless-ngx target. */
export function createPaperlessTarget(config: PaperlessTargetConfig, options: PaperlessTargetOptions): StorageTarget {
  const base = config.url.endsWith('/') ? config.url : `${config.url}/`;
  const headers = { authorization: `Token ${config.token}`, accept: 'application/json' };
  const logger = options.logger.child({ component: 'paperless', target: config.name });

  async function upload(doc: OutputDocument, ctx: DeliveryContext): Promise<string> {
    const form = new (undiciModule().FormData)();
    form.append('document', await openAsBlob(doc.path, { type: doc.mimeType }), fileNameFor(doc, ctx));
    form.append('title', config.title !== undefined ? renderTitle(config.title, { scanner: ctx.scannerName, job: ctx.jobId, createdAt: ctx.createdAt }) : documentTitle(ctx, doc));
    form.append('created', ctx.createdAt.toISOString());
    if (config.correspondent !== undefined) form.append('correspondent', String(config.correspondent));
    if (config.document_type !== undefined) form.append('document_type', String(config.document_type));
    for (const tag of config.tags ?? []) form.append('tags', String(tag));
    const url = new URL('api/documents/post_document/', base);
    let response;
    try {
      response = await undiciModule().fetch(url, { method: 'POST', headers, body: form, signal: AbortSignal.timeout(PAPERLESS_REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw networkDeliveryError(`paperless ${url.origin}`, error);
    }
    const body = await boundedText(response);
    if (!response.ok) throw httpDeliveryError(`paperless upload to ${url.origin}`, response.status, body);
    return parseTaskId(body);
  }

  /** Polls the task until SUCCESS or FAILURE; a task still running at the deadline counts as delivered (paperless has the file). */
  async function waitForTask(taskId: string): Promise<void> {
    const deadline = Date.now() + (config.task_timeout ?? DEFAULT_TASK_TIMEOUT_S) * 1000;
    const url = new URL('api/tasks/', base);
    url.searchParams.set('task_id', taskId);
    for (;;) {
      let body: string;
      try {
        const response = await undiciModule().fetch(url, { headers, signal: AbortSignal.timeout(PAPERLESS_REQUEST_TIMEOUT_MS) });
        body = await boundedText(response);
        if (!response.ok) throw httpDeliveryError('paperless task query', response.status, body);
      } catch (error) {
        // The upload went through; asking for its state failing must not cause a second upload.
        logger.warn({ task: taskId, err: error }, 'paperless task state unknown');
        return;
      }
      const task = parseTaskStatus(body, taskId);
      if (task?.status === 'SUCCESS') return;
      // Not retryable: uploading the same file again fails the same way (or as a duplicate).
      if (task?.status === 'FAILURE') throw new DeliveryError(`paperless could not consume the document: ${task.result ?? 'no reason given'}`, false);
      if (Date.now() >= deadline) {
        logger.warn({ task: taskId }, 'paperless task still running; not waiting longer');
        return;
      }
      await sleep(options.taskPollIntervalMs ?? TASK_POLL_INTERVAL_MS);
    }
  }

  return {
    name: config.name,
    async deliver(doc: OutputDocument, ctx: DeliveryContext): Promise<StoredFile[]> {
      const taskId = await upload(doc, ctx);
      if (config.wait_for_task === true) await waitForTask(taskId);
      logger.info({ task: taskId, pages: doc.pages, bytes: doc.bytes }, 'document sent to paperless');
      return [{ path: `paperless:${new URL(base).host}/task/${taskId}`, format: doc.format, bytes: doc.bytes, pages: doc.pages }];
    },
  };
}
