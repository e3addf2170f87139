/**
 * A small stand-in for paperless-ngx's REST API, enough for the paperless target: token auth,
 * POST /api/documents/post_document/ (multipart) answering a task UUID, GET /api/tasks/?task_id=.
 * Faults are switched per test: 5xx answers, slow tasks, FAILURE results.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';

/** One consumed upload. */
export interface ReceivedDocument {
  taskId: string;
  fileName: string;
  mimeType: string;
  bytes: Buffer;
  title?: string;
  created?: string;
  correspondent?: string;
  documentType?: string;
  tags: string[];
}

/** Switchable behaviour. */
export interface PaperlessFaults {
  /** Answer this many uploads with 503 before accepting. */
  failUploads: number;
  /** The task state reported: after `pendingPolls` STARTED answers, `outcome`. */
  taskOutcome: 'SUCCESS' | 'FAILURE';
  pendingPolls: number;
  failureReason: string;
}

/** The test server. */
export class PaperlessServer {
  readonly documents: ReceivedDocument[] = [];
  readonly faults: PaperlessFaults = { failUploads: 0, taskOutcome: 'SUCCESS', pendingPolls: 0, failureReason: 'duplicate document' };
  uploadAttempts = 0;
  taskPolls = 0;
  private server: Server | undefined;
  private readonly polls = new Map<string, number>();

  constructor(readonly token = 'secret-token') {}

  /** Listens on 127.0.0.1 at a free port; returns the base URL. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res).catch(() => this.send(res, 500, 'internal error')));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Token ${this.token}`) {
      req.resume();
      return this.send(res, 401, { detail: 'Invalid token.' });
    }
    if (req.method === 'POST' && url.pathname === '/api/documents/post_document/') return this.upload(req, res);
    if (req.method === 'GET' && url.pathname === '/api/tasks/') return this.task(url.searchParams.get('task_id') ?? '', res);
    req.resume();
    this.send(res, 404, { detail: 'Not found.' });
  }

  private async upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.uploadAttempts++;
    const request = new Request('http://x/', { method: 'POST', headers: req.headers as Record<string, string>, body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } as RequestInit);
    const form = await request.formData();
    if (this.faults.failUploads > 0) {
      this.faults.failUploads--;
      return this.send(res, 503, { detail: 'Service unavailable' });
    }
    const document = form.get('document');
    if (!(document instanceof File)) return this.send(res, 400, { document: ['No file was submitted.'] });
    const text = (name: string) => {
      const v = form.get(name);
      return typeof v === 'string' ? v : undefined;
    };
    const taskId = randomUUID();
    this.documents.push({
      taskId,
      fileName: document.name,
      mimeType: document.type,
      bytes: Buffer.from(await document.arrayBuffer()),
      title: text('title'),
      created: text('created'),
      correspondent: text('correspondent'),
      documentType: text('document_type'),
      tags: form.getAll('tags').filter((t): t is string => typeof t === 'string'),
    });
    this.send(res, 200, taskId);
  }

  private task(taskId: string, res: ServerResponse): void {
    this.taskPolls++;
    if (!this.documents.some((d) => d.taskId === taskId)) return this.send(res, 200, []);
    const polls = (this.polls.get(taskId) ?? 0) + 1;
    this.polls.set(taskId, polls);
    const done = polls > this.faults.pendingPolls;
    const status = done ? this.faults.taskOutcome : 'STARTED';
    const result = status === 'FAILURE' ? this.faults.failureReason : status === 'SUCCESS' ? 'Success. New document id 1 created' : null;
    this.send(res, 200, [{ id: 1, task_id: taskId, task_file_name: 'doc.pdf', status, result, type: 'file' }]);
  }
}
