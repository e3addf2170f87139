import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from './mail-parse.js';
import { DeliveryError } from '../../src/storage/delivery/delivery-error.js';
import { createPaperlessTarget, parseTaskId, parseTaskStatus } from '../../src/storage/targets/paperless-target.js';
import { createWebdavTarget, webdavPath } from '../../src/storage/targets/webdav-target.js';
import { createEmailTarget } from '../../src/storage/targets/email-target.js';
import { createMqttTarget } from '../../src/storage/targets/mqtt-target.js';
import type { DeliveryContext, OutputDocument } from '../../src/storage/target.js';
import { PaperlessServer } from '../sim/paperless/paperless-server.js';
import { makeImage, makeTempDir, silentLogger } from './helpers.js';
import { startSmtp, startWebdav, freePort } from './servers.js';

let root: string;
let cleanup: () => Promise<void>;
let doc: OutputDocument;
let docBytes: Buffer;
const ctx: DeliveryContext = { jobId: 'job-7', scannerId: 'office', scannerName: 'Office Scanner', createdAt: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) };

/** The rejection of `p`. */
const failureOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

beforeAll(async () => {
  ({ dir: root, cleanup } = await makeTempDir('scan2mqtt-targets-'));
  docBytes = await makeImage(300, 400, 'jpeg');
  // Bytes that need dot-stuffing and every byte value, so transport bugs show.
  docBytes = Buffer.concat([docBytes, Buffer.from('\r\n.\r\n..\n.'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]);
  const path = join(root, 'doc.jpg');
  await writeFile(path, docBytes);
  doc = { path, format: 'jpeg', extension: 'jpg', mimeType: 'image/jpeg', firstPage: 1, pages: 1, bytes: docBytes.length };
});
afterAll(() => cleanup());

describe('paperless-ngx target', () => {
  const server = new PaperlessServer('tok');
  let url: string;
  beforeAll(async () => {
    url = await server.start();
  });
  afterAll(() => server.stop());

  it('uploads the document with title, created, correspondent, document type and repeated tags', async () => {
    const target = createPaperlessTarget({ name: 'pl', type: 'paperless', url, token: 'tok', correspondent: 3, document_type: 5, tags: [1, 2] }, { logger: silentLogger });
    const stored = await target.deliver(doc, ctx);
    const got = server.documents.at(-1)!;
    expect(got.bytes.equals(docBytes)).toBe(true);
    expect(got.title).toMatch(/^Scan Office Scanner 2024-01-02 \d\d:\d\d p1$/);
    expect(got).toMatchObject({ created: '2024-01-02T03:04:05.000Z', correspondent: '3', documentType: '5', tags: ['1', '2'], mimeType: 'image/jpeg' });
    expect(got.fileName).toMatch(/^office_2024-01-02_\d{6}_job-7_001\.jpg$/);
    expect(stored[0]?.path).toContain(got.taskId);
  });

  it('waits for the task: SUCCESS after slow polls; FAILURE is a permanent error', async () => {
    const target = createPaperlessTarget({ name: 'pl', type: 'paperless', url, token: 'tok', wait_for_task: true }, { logger: silentLogger, taskPollIntervalMs: 5 });
    server.faults.pendingPolls = 3;
    const polls = server.taskPolls;
    await target.deliver(doc, ctx);
    expect(server.taskPolls - polls).toBe(4);
    server.faults.taskOutcome = 'FAILURE';
    const error = await failureOf(target.deliver(doc, ctx));
    expect(error).toBeInstanceOf(DeliveryError);
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining('duplicate document') });
    server.faults.taskOutcome = 'SUCCESS';
    server.faults.pendingPolls = 0;
  });

  it('a bad token is a permanent error naming the token; 5xx and a down server are retryable', async () => {
    const bad = createPaperlessTarget({ name: 'pl', type: 'paperless', url, token: 'wrong' }, { logger: silentLogger });
    expect(await failureOf(bad.deliver(doc, ctx))).toMatchObject({ code: 'StorageFailed', retryable: false, message: expect.stringMatching(/HTTP 401 \(check the token/) });
    const target = createPaperlessTarget({ name: 'pl', type: 'paperless', url, token: 'tok' }, { logger: silentLogger });
    server.faults.failUploads = 1;
    expect(await failureOf(target.deliver(doc, ctx))).toMatchObject({ retryable: true, message: expect.stringContaining('HTTP 503') });
    const down = createPaperlessTarget({ name: 'pl', type: 'paperless', url: `http://127.0.0.1:${await freePort()}`, token: 'tok' }, { logger: silentLogger });
    expect(await failureOf(down.deliver(doc, ctx))).toMatchObject({ retryable: true, message: expect.stringContaining('ECONNREFUSED') });
  });

  it('parses task answers and rejects hostile ones', () => {
    expect(parseTaskId('"0b5d6c2a-8a1e-4c8e-9a3b-1d2e3f4a5b6c"')).toBe('0b5d6c2a-8a1e-4c8e-9a3b-1d2e3f4a5b6c');
    expect(() => parseTaskId('<html>oops</html>')).toThrow(/without a task id/);
    expect(() => parseTaskId('"../../etc"')).toThrow(DeliveryError);
    expect(parseTaskStatus('[{"task_id":"a","status":"SUCCESS"}]', 'a')).toEqual({ status: 'SUCCESS' });
    expect(parseTaskStatus('{"results":[{"task_id":"a","status":"FAILURE","result":"bad"}]}', 'a')).toEqual({ status: 'FAILURE', result: 'bad' });
    expect(parseTaskStatus('[1, null, {"task_id":"b"}]', 'a')).toBeUndefined();
    expect(() => parseTaskStatus('not json', 'a')).toThrow(DeliveryError);
  });
});

describe('WebDAV target (rclone serve webdav)', () => {
  it('makes the folders, PUTs the file whole, and a retry overwrites instead of duplicating', async () => {
    const share = join(root, 'dav');
    execFileSync('mkdir', ['-p', share]);
    const server = await startWebdav(share, 'scan', 'pw');
    try {
      const target = createWebdavTarget({ name: 'nas', type: 'webdav', url: `http://127.0.0.1:${server.port}/`, username: 'scan', password: 'pw', folder: 'inbox/scans' }, { logger: silentLogger });
      const stored = await target.deliver(doc, ctx);
      await target.deliver(doc, ctx);
      const files = await readdir(join(share, 'inbox', 'scans', 'office'));
      expect(files).toHaveLength(1);
      expect((await readFile(join(share, 'inbox', 'scans', 'office', files[0]!))).equals(docBytes)).toBe(true);
      expect(stored[0]?.path).toMatch(/\/inbox\/scans\/office\/2024-01-02_\d{6}_job-7_001\.jpg$/);
      const wrong = createWebdavTarget({ name: 'nas', type: 'webdav', url: `http://127.0.0.1:${server.port}/`, username: 'scan', password: 'nope' }, { logger: silentLogger });
      expect(await failureOf(wrong.deliver(doc, ctx))).toMatchObject({ retryable: false, message: expect.stringContaining('HTTP 401') });
      const missing = createWebdavTarget({ name: 'nas', type: 'webdav', url: `http://127.0.0.1:${server.port}/missing/`, username: 'scan', password: 'pw' }, { logger: silentLogger });
      expect(await failureOf(missing.deliver(doc, ctx))).toMatchObject({ retryable: false, message: expect.stringContaining('/missing/ does not exist (check targets.nas.url)') });
    } finally {
      await server.stop();
    }
  });

  it('delivers several documents into the same new folder at once (outbox retries racing a new job)', async () => {
    const share = join(root, 'dav-race');
    execFileSync('mkdir', ['-p', share]);
    const server = await startWebdav(share, 'scan', 'pw');
    try {
      const target = createWebdavTarget({ name: 'nas', type: 'webdav', url: `http://127.0.0.1:${server.port}/`, username: 'scan', password: 'pw', folder: 'a/b' }, { logger: silentLogger });
      const pages = [1, 2, 3, 4, 5, 6].map((firstPage) => ({ ...doc, firstPage }));
      const results = await Promise.allSettled(pages.map((page) => target.deliver(page, ctx)));
      expect(results.map((r) => r.status)).toEqual(pages.map(() => 'fulfilled'));
      expect(await readdir(join(share, 'a', 'b', 'office'))).toHaveLength(6);
    } finally {
      await server.stop();
    }
  });

  it('refuses paths that leave the share', () => {
    expect(webdavPath('a/b', 'c/d.pdf')).toEqual({ folders: ['a', 'b', 'c'], file: 'd.pdf' });
    expect(() => webdavPath('../x', 'd.pdf')).toThrow(/leaves the share/);
  });
});

describe('email target (aiosmtpd)', () => {
  it('mails the document; the decoded attachment equals the file byte for byte', async () => {
    const maildir = join(root, 'mail-plain');
    execFileSync('mkdir', ['-p', maildir]);
    const server = await startSmtp(maildir);
    try {
      const target = createEmailTarget({ name: 'mail', type: 'email', host: '127.0.0.1', port: server.port, security: 'none', from: 'scanner@example.org', to: ['a@example.org', 'b@example.org'], subject: 'Scan: Grüße (.)' }, { logger: silentLogger });
      await target.deliver(doc, ctx);
      const [file] = await readdir(maildir);
      const mail = simpleParser(await readFile(join(maildir, file!)));
      expect(mail.headers.get('to')).toBe('a@example.org, b@example.org');
      expect(mail.subject).toBe('Scan: Grüße (.)');
      expect(mail.attachment.fileName).toMatch(/^office_2024-01-02_\d{6}_job-7_001\.jpg$/);
      expect(mail.attachment.bytes.equals(docBytes)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('uses STARTTLS and AUTH; wrong credentials fail permanently; a down server is retryable; oversize is refused', async () => {
    const maildir = join(root, 'mail-tls');
    execFileSync('mkdir', ['-p', maildir]);
    const cert = join(root, 'cert.pem');
    const key = join(root, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const server = await startSmtp(maildir, { cert, key, user: 'u1', password: 'p1' });
    const config = { name: 'mail', type: 'email' as const, host: '127.0.0.1', port: server.port, security: 'starttls' as const, from: 's@example.org', to: ['a@example.org'], reject_unauthorized: false };
    try {
      await createEmailTarget({ ...config, username: 'u1', password: 'p1' }, { logger: silentLogger }).deliver(doc, ctx);
      const [file] = await readdir(maildir);
      expect(simpleParser(await readFile(join(maildir, file!))).attachment.bytes.equals(docBytes)).toBe(true);
      const badAuth = await failureOf(createEmailTarget({ ...config, username: 'u1', password: 'wrong' }, { logger: silentLogger }).deliver(doc, ctx));
      expect(badAuth).toMatchObject({ retryable: false, message: expect.stringMatching(/535.*check username and password/) });
      const tooBig = await failureOf(createEmailTarget({ ...config, max_bytes: 100 }, { logger: silentLogger }).deliver(doc, ctx));
      expect(tooBig).toMatchObject({ retryable: false, message: expect.stringContaining('exceeds the mail limit') });
    } finally {
      await server.stop();
    }
    const down = await failureOf(createEmailTarget(config, { logger: silentLogger }).deliver(doc, ctx));
    expect(down).toMatchObject({ retryable: true, message: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('MQTT target', () => {
  it('publishes a small JPEG preview and info; the whole file only when asked and small enough', async () => {
    const published: Array<{ topic: string; payload: Buffer | string }> = [];
    const publish = async (topic: string, payload: Buffer | string) => void published.push({ topic, payload });
    await createMqttTarget({ name: 'ha', type: 'mqtt', preview_size: 64 }, { publish, logger: silentLogger }).deliver(doc, ctx);
    expect(published.map((p) => p.topic)).toEqual(['office/document/preview', 'office/document/info']);
    const preview = published[0]!.payload as Buffer;
    expect(preview.subarray(0, 2).toString('hex')).toBe('ffd8');
    expect(JSON.parse(published[1]!.payload as string)).toMatchObject({ job: 'job-7', pages: 1, bytes: docBytes.length });
    published.length = 0;
    await createMqttTarget({ name: 'ha', type: 'mqtt', topic: 't', full_file: true }, { publish, logger: silentLogger }).deliver(doc, ctx);
    expect((published.find((p) => p.topic === 't/file')?.payload as Buffer).equals(docBytes)).toBe(true);
    const error = await failureOf(createMqttTarget({ name: 'ha', type: 'mqtt', full_file: true, max_bytes: 10 }, { publish, logger: silentLogger }).deliver(doc, ctx));
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining('exceeds the MQTT limit') });
  });
});
