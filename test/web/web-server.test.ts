/**
 * The frontend server over real HTTP with an in-memory gateway: the API maps to GatewayApi's typed
 * operations, refuses bad input by name, keeps its bounds, and streams the gateway's events.
 */
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { DocumentLibrary } from '../../src/core/document-library.js';
import { ScanError } from '../../src/core/errors.js';
import { createLogTap } from '../../src/log/log-tap.js';
import { MAX_EVENT_STREAMS } from '../../src/web/event-stream.js';
import { MAX_JSON_BODY_BYTES } from '../../src/web/http-io.js';
import { createWebServer, type WebServer } from '../../src/web/web-server.js';
import { FakeGateway, makeView } from '../mqtt/fake-gateway.js';

const TOKEN = 'unit-token';
let gateway: FakeGateway;
let server: WebServer;
const removed: string[] = [];

const library: DocumentLibrary = {
  list: async () => [{ id: 'j1~0', job: 'j1', scanner: 'office', location: 'office/a.pdf', format: 'pdf', pages: 2, bytes: 10, created_at: '2026-01-01T00:00:00Z' }],
  file: async () => {
    throw new ScanError('NotFound', 'no document');
  },
  render: async () => ({ jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xd9]) }),
  remove: async (id) => (id === 'j1~0' ? (removed.push(id), true) : false),
  targets: () => ['paperless'],
  resend: async (_id, target) => ({ target, status: 'delivered' }),
};

interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Record<string, unknown>;
}

function call(method: string, path: string, options: { body?: string; type?: string; token?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
  if (options.body !== undefined) headers['content-type'] = options.type ?? 'application/json';
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port: server.address()!.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        done({ status: res.statusCode ?? 0, body, text, headers: res.headers });
      });
    });
    req.on('error', fail);
    req.end(options.body);
  });
}

/** Opens api/events and resolves with the first `count` events (name and data). */
function events(count: number, path = '/api/events', afterSnapshot?: () => void): Promise<{ event: string; data: any }[]> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port: server.address()!.port, path, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
      let buffer = '';
      const seen: { event: string; data: any }[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) seen.push({ event, data: JSON.parse(data) });
          if (event === 'snapshot') afterSnapshot?.();
          if (seen.length === count) {
            req.destroy();
            done(seen);
          }
        }
      });
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : fail(e)));
    req.end();
  });
}

const logTap = createLogTap();
beforeEach(async () => {
  gateway = new FakeGateway();
  gateway.add(makeView('office'), { status: 'idle', adf: 'empty', job: null });
  server = createWebServer({
    settings: { enabled: true, port: 0, host: '127.0.0.1', auth_token: TOKEN, ingress_proxy: '' },
    gateway,
    library,
    logs: logTap,
    bridge: () => ({ version: '9.9.9', base_topic: 'scan2mqtt', config: { frontend: { auth_token: '***' } } }),
    triggersOf: (id) => (id === 'office' ? [{ button: 'scan', action: 'scan', profile: 'letter' }] : []),
    logger: pino({ level: 'silent' }),
  });
  await server.start();
});
afterEach(async () => {
  await server.stop();
});

describe('frontend API', () => {
  it('lists scanners with state, preferences and triggers', async () => {
    const answer = await call('GET', '/api/scanners');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([expect.objectContaining({ id: 'office', online: true, state: { status: 'idle', adf: 'empty', job: null }, triggers: [{ button: 'scan', action: 'scan', profile: 'letter' }] })]);
    expect((await call('GET', '/api/scanners/office')).body.id).toBe('office');
    expect((await call('GET', '/api/scanners/nope')).status).toBe(404);
  });

  it('maps a scan to submitScan with the parsed command and the web trigger', async () => {
    const answer = await call('POST', '/api/scanners/office/scan', { body: JSON.stringify({ source: 'platen', resolution: 300, format: 'pdf', region: { x: 0, y: 0, width: 100, height: 100 } }) });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ scanner: 'office', state: 'queued' });
    expect(gateway.submits).toEqual([{ scannerId: 'office', command: { source: 'platen', resolution: 300, format: 'pdf', region: { x: 0, y: 0, width: 100, height: 100 } }, trigger: 'web' }]);
  });

  it('refuses bad scan bodies by name before the gateway sees them', async () => {
    const cases: [string, string | undefined, number, RegExp][] = [
      ['{"colour":"red"}', undefined, 400, /unknown field "colour"/],
      ['{"resolution":-3}', undefined, 400, /resolution/],
      ['{"region":{"x":0,"y":0,"width":0,"height":5}}', undefined, 400, /region/],
      ['not json', undefined, 400, /not valid JSON/],
      ['[1,2]', undefined, 400, /JSON object/],
      ['{}', 'text/plain', 400, /application\/json/],
      [JSON.stringify({ id: 'x'.repeat(MAX_JSON_BODY_BYTES) }), undefined, 413, /larger than/],
    ];
    for (const [body, type, status, message] of cases) {
      const answer = await call('POST', '/api/scanners/office/scan', { body, ...(type ? { type } : {}) });
      expect(answer.status, body.slice(0, 40)).toBe(status);
      expect(answer.body.error.message).toMatch(message);
    }
    expect(gateway.submits).toEqual([]);
  });

  it('answers the gateway refusal with the status of its code', async () => {
    gateway.add(makeView('away', { online: false }));
    const answer = await call('POST', '/api/scanners/away/scan', { body: '{}' });
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('DeviceOffline');
  });

  it('builds a preview command at a low resolution, as JPEG', async () => {
    gateway.add(makeView('quick', { capabilities: { protocol: 'escl', sources: { platen: { resolutions: [75, 150, 300], color_modes: ['gray', 'color'], formats: ['jpeg'], max_width_mm: 210, max_height_mm: 297 } } } }));
    expect((await call('GET', '/api/scanners/quick')).body.preview_dpi).toBe(75);
    expect((await call('POST', '/api/scanners/quick/preview', { body: '{}' })).status).toBe(202);
    expect(gateway.submits.at(-1)).toEqual({ scannerId: 'quick', command: { source: 'platen', resolution: 75, color_mode: 'color', format: 'jpeg' }, trigger: 'web' });
    gateway.add(makeView('slow', { capabilities: { protocol: 'escl', sources: { platen: { resolutions: [300, 600], color_modes: ['color'], formats: ['jpeg'], max_width_mm: 210, max_height_mm: 297 } } } }));
    expect((await call('POST', '/api/scanners/slow/preview', { body: '{}' })).status).toBe(422);
  });

  it('cancels, discovers, reports health, history, deliveries', async () => {
    expect((await call('POST', '/api/scanners/office/cancel', { body: '{"job":"j7"}' })).body).toEqual({ cancelled: true });
    expect(gateway.cancels).toEqual([{ scannerId: 'office', jobId: 'j7' }]);
    expect((await call('POST', '/api/scanners/office/cancel', { body: '{"job":5}' })).status).toBe(400);
    expect((await call('POST', '/api/discover', { body: '{}' })).body).toEqual({ scanners: 1 });
    expect(gateway.discoverCalls).toBe(1);
    expect((await call('GET', '/api/health')).body.scanners).toEqual({ total: 1, online: 1 });
    expect((await call('GET', '/api/history?limit=0')).status).toBe(400);
    expect((await call('GET', '/api/history?limit=5')).body).toEqual([]);
    gateway.deliveryViews = [{ id: 'd1', target: 'paperless', state: 'failed', job: 'j1', scanner: 'office', pages: 1, bytes: 5, attempts: 3, created_at: '2026-01-01T00:00:00Z' }];
    expect((await call('GET', '/api/deliveries')).body).toHaveLength(1);
    expect((await call('POST', '/api/deliveries/nope/retry', { body: '{}' })).status).toBe(404);
    expect((await call('POST', '/api/deliveries/d1/retry', { body: '{}' })).body).toEqual([{ id: 'd1', target: 'paperless', status: 'delivered' }]);
    expect((await call('DELETE', '/api/deliveries/d1')).status).toBe(404);
  });

  it('serves the library: list, page render, delete, resend; bridge info with targets and masked config', async () => {
    expect((await call('GET', '/api/documents')).body).toHaveLength(1);
    const render = await call('GET', '/api/documents/j1~0/pages/1.jpg');
    expect(render.headers['content-type']).toBe('image/jpeg');
    expect((await call('GET', '/api/documents/j1~0/file')).status).toBe(404);
    expect((await call('POST', '/api/documents/j1~0/resend', { body: '{"target":"paperless"}' })).body).toEqual({ target: 'paperless', status: 'delivered' });
    expect((await call('POST', '/api/documents/j1~0/resend', { body: '{}' })).status).toBe(400);
    expect((await call('DELETE', '/api/documents/j1~0')).status).toBe(200);
    expect((await call('DELETE', '/api/documents/j9~0')).status).toBe(404);
    expect(removed).toEqual(['j1~0']);
    const bridge = (await call('GET', '/api/bridge')).body;
    expect(bridge).toMatchObject({ version: '9.9.9', base_topic: 'scan2mqtt', targets: ['paperless'], config: { frontend: { auth_token: '***' } } });
  });

  it('answers unknown paths and methods with 404, and serves the page with security headers', async () => {
    expect((await call('GET', '/api/nothing')).status).toBe(404);
    expect((await call('PUT', '/api/scanners/office')).status).toBe(404);
    expect((await call('GET', '/api/scanners/office/scan/more')).status).toBe(404);
    expect((await call('GET', '/../../etc/passwd')).status).toBe(404);
    const index = await call('GET', '/');
    expect(index.status).toBe(200);
    expect(index.text).toContain('<script type="module" src="app.js">');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses every path without the token, with 401 and no data', async () => {
    for (const path of ['/', '/api/scanners', '/api/events', '/style.css', '/api/documents/j1~0/pages/1.jpg']) {
      const answer = await call('GET', path, { token: null });
      expect(answer.status, path).toBe(401);
      expect(answer.text).not.toContain('office');
    }
  });
});

describe('frontend events', () => {
  it('sends a snapshot, then state, job, scanner and log events as the gateway emits them', async () => {
    gateway.profiles = ['photo'];
    const seen = await events(5, '/api/events?logs=1', () => {
      gateway.emit('stateChanged', 'office', { status: 'processing', adf: 'loaded', job: null });
    gateway.emit('job', 'office', { id: 'j1', scanner: 'office', state: 'scanning', pages: 1, bytes_received: 500, files: [], created_at: 'now' });
    gateway.emit('scannerRemoved', makeView('office'));
      logTap.stream.write(`${JSON.stringify({ level: 30, time: 1, msg: 'hello' })}\n`);
    });
    expect(seen.map((e) => e.event)).toEqual(['snapshot', 'state', 'job', 'scanner_removed', 'log']);
    expect(seen[0]!.data.scanners[0].id).toBe('office');
    // The Scan page's profile select is built from the snapshot.
    expect(seen[0]!.data.bridge.profiles).toEqual(['photo']);
    expect(seen[2]!.data).toEqual({ id: 'office', job: expect.objectContaining({ pages: 1, bytes_received: 500 }) });
    expect(seen[4]!.data).toMatchObject({ msg: 'hello' });
  });

  it(`keeps at most ${MAX_EVENT_STREAMS} streams open`, async () => {
    const open = Array.from({ length: MAX_EVENT_STREAMS }, () => events(1));
    await Promise.all(open);
    // The ones above were closed after their snapshot; hold the limit open this time.
    const held: import('node:http').ClientRequest[] = [];
    await Promise.all(
      Array.from({ length: MAX_EVENT_STREAMS }, () => new Promise<void>((done) => {
        const req = request({ host: '127.0.0.1', port: server.address()!.port, path: '/api/events', headers: { authorization: `Bearer ${TOKEN}` } }, (res) => res.once('data', () => done()));
        req.on('error', () => undefined);
        req.end();
        held.push(req);
      })),
    );
    const refused = await call('GET', '/api/events');
    expect(refused.status).toBe(503);
    for (const req of held) req.destroy();
  });
});
