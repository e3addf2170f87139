import { buffer } from 'node:stream/consumers';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScanError } from '../../../src/core/errors.js';
import type { ScannedPage } from '../../../src/core/scanner.js';
import type { ScanSettings } from '../../../src/core/settings.js';
import type { TraceRecord } from '../../../src/core/trace.js';
import { createEsclDriver, probeEscl, type EsclDriver, type EsclDriverOptions } from '../../../src/protocols/escl/driver.js';
import { sendStatus, sendXml, startFakeDevice, statusXml, type FakeDevice, type Responder } from './helpers/fake-device.js';

const logger = pino({ level: 'silent' });
const FAST = { busyRetryDelayMs: 1, notReadyDelayMs: 1, interPageDelayMaxMs: 1, scanJobsRetries: 3, nextDocumentRetries: 3, notReadyRetries: 2 };
const platen: ScanSettings = { source: 'platen', resolution: 300, color_mode: 'color', format: 'jpeg', region: { x: 0, y: 0, width: 210, height: 297 } };
const adf: ScanSettings = { ...platen, source: 'adf' };
const JPEG = (n: number) => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(n, n % 251)]);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function setup(respond: Responder, extra: Partial<EsclDriverOptions> = {}): Promise<{ device: FakeDevice; driver: EsclDriver }> {
  const device = await startFakeDevice(respond);
  cleanups.push(() => device.close());
  const driver = createEsclDriver({ baseUrl: device.baseUrl, logger, deviceLabel: 'test', timing: FAST, ...extra });
  cleanups.push(() => driver.close());
  return { device, driver };
}

/** Reads every page fully, as the job runner would. */
async function collect(pages: AsyncIterable<ScannedPage>): Promise<{ index: number; type?: string; bytes: Buffer }[]> {
  const out: { index: number; type?: string; bytes: Buffer }[] = [];
  for await (const page of pages) out.push({ index: page.index, ...(page.declaredType ? { type: page.declaredType } : {}), bytes: await buffer(page.data) });
  return out;
}

async function rejection(work: Promise<unknown>): Promise<ScanError> {
  try {
    await work;
  } catch (error) {
    return error as ScanError;
  }
  throw new Error('expected a rejection');
}

/** A device whose job yields the given NextDocument answers in turn (then 404). */
function jobDevice(location: string, answers: ((res: import('node:http').ServerResponse) => void)[], status = () => statusXml('Idle', 'ScannerAdfEmpty')): Responder {
  let next = 0;
  return (req, res) => {
    if (req.method === 'POST' && req.path === '/eSCL/ScanJobs') return sendStatus(res, 201, { location });
    if (req.method === 'GET' && req.path.endsWith('/NextDocument')) {
      const answer = answers[next++];
      return answer ? answer(res) : sendStatus(res, 404);
    }
    if (req.method === 'GET' && req.path === '/eSCL/ScannerStatus') return sendXml(res, status());
    return false;
  };
}
const page = (bytes: Buffer, type = 'image/jpeg') => (res: import('node:http').ServerResponse) => {
  res.writeHead(200, { 'content-type': type, 'content-length': bytes.length });
  res.end(bytes);
};

describe('eSCL driver: capabilities and status', () => {
  it('reads capabilities once, status every time, with host:port and basic auth', async () => {
    const { device, driver } = await setup((req, res) => (req.path === '/eSCL/ScannerStatus' ? sendXml(res, statusXml('Idle', 'ScannerAdfLoaded')) : false), {
      credentials: { username: 'scan', password: 'pw' },
    });
    const caps = await driver.getCapabilities();
    expect(caps.model).toBe('Brother MFC-L8690CDW series');
    await driver.getCapabilities();
    expect((await driver.getEsclCapabilities()).uuid).toBe('00000000-0000-1000-8000-0018d7024a10');
    expect(device.seen('GET', '/ScannerCapabilities')).toHaveLength(1);
    expect(await driver.getStatus()).toEqual({ state: 'idle', adf: 'loaded' });
    expect(await driver.getStatus()).toEqual({ state: 'idle', adf: 'loaded' });
    expect(device.seen('GET', '/ScannerStatus')).toHaveLength(2);
    const headers = device.requests[0]?.headers;
    expect(headers?.host).toBe(`127.0.0.1:${device.port}`);
    expect(headers?.authorization).toBe(`Basic ${Buffer.from('scan:pw').toString('base64')}`);
  });

  it('sends the configured Host header (HP devices that want localhost)', async () => {
    const { device, driver } = await setup(() => false, { hostHeader: 'localhost' });
    await driver.getCapabilities();
    expect(device.requests[0]?.headers.host).toBe('localhost');
  });

  it('probeEscl reads capabilities of a hand-listed device and lets go of it', async () => {
    const device = await startFakeDevice(() => false);
    cleanups.push(() => device.close());
    const probed = await probeEscl(device.baseUrl.replace(/\/$/, ''), { logger, deviceLabel: 'probe' });
    expect(probed.caps.manufacturer).toBe('Brother');
    expect(probed.native.sources.platen?.formatExt).toBe(true);
  });

  it('a device that is not there is DeviceOffline; a garbage answer is a ProtocolError', async () => {
    const { device, driver } = await setup((req, res) => (req.path.endsWith('/ScannerStatus') ? sendXml(res, '<html>login') : false));
    expect((await rejection(driver.getStatus())).code).toBe('ProtocolError');
    await device.close();
    const gone = createEsclDriver({ baseUrl: device.baseUrl, logger, deviceLabel: 'gone', timing: FAST });
    cleanups.push(() => gone.close());
    expect((await rejection(gone.getStatus())).code).toBe('DeviceOffline');
    expect((await rejection(gone.getCapabilities())).code).toBe('DeviceOffline');
  });

  it('traces requests and XML bodies, summarises images, redacts credentials', async () => {
    const records: TraceRecord[] = [];
    const tracer = { enabled: true, record: (r: TraceRecord) => records.push(r) };
    const { driver } = await setup(jobDevice('/eSCL/ScanJobs/1', [page(JPEG(5000))]), { tracer, credentials: { username: 'u', password: 'p' } });
    await collect(driver.scan(platen, new AbortController().signal));
    const labels = records.map((r) => r.label);
    expect(labels).toContain('GET /eSCL/ScannerCapabilities');
    expect(labels).toContain('POST /eSCL/ScanJobs');
    expect(labels).toContain('201 POST /eSCL/ScanJobs');
    expect(labels).toContain('DELETE /eSCL/ScanJobs/1');
    expect(records.find((r) => r.label === 'POST /eSCL/ScanJobs')?.body).toMatch(/<scan:ScanSettings/);
    expect(records.find((r) => r.label === 'body of /eSCL/ScannerCapabilities')?.body).toMatch(/MFC-L8690CDW/);
    expect(records.find((r) => r.label === 'body of /eSCL/ScanJobs/1/NextDocument')?.body).toBe('5004 bytes of image/jpeg');
    expect(records.every((r) => r.headers?.authorization === undefined || r.headers.authorization === '[redacted]')).toBe(true);
    expect(records.every((r) => r.protocol === 'escl' && r.device === 'test')).toBe(true);
  });
});

describe('eSCL driver: scan jobs', () => {
  it('platen: relative lowercase location, one page streamed, no second NextDocument, DELETE', async () => {
    const bytes = JPEG(200_000);
    const { device, driver } = await setup(jobDevice('/eSCL/ScanJobs/772', [page(bytes)]));
    const pages = await collect(driver.scan(platen, new AbortController().signal));
    expect(pages).toHaveLength(1);
    expect(pages[0]?.type).toBe('image/jpeg');
    expect(pages[0]?.bytes.equals(bytes)).toBe(true);
    expect(device.seen('GET', '/NextDocument').map((r) => r.path)).toEqual(['/eSCL/ScanJobs/772/NextDocument']);
    expect(device.seen('DELETE').map((r) => r.path)).toEqual(['/eSCL/ScanJobs/772']);
    const post = device.seen('POST')[0];
    expect(post?.headers['content-type']).toBe('text/xml');
    expect(post?.body).toMatch(/<pwg:InputSource>Platen<\/pwg:InputSource>/);
  });

  it('absolute Location with a bogus host: only its path is used', async () => {
    const { device, driver } = await setup(jobDevice('http://[fe80/eSCL/ScanJobs/4060', [page(JPEG(10))]));
    await collect(driver.scan(platen, new AbortController().signal));
    expect(device.seen('GET', '/NextDocument')[0]?.path).toBe('/eSCL/ScanJobs/4060/NextDocument');
    expect(device.seen('DELETE')[0]?.path).toBe('/eSCL/ScanJobs/4060');
  });

  it('Kyocera urn:uuid: path keeps its colons', async () => {
    const job = '/eSCL/ScanJobs/urn:uuid:4509a320-00a0-008f-00b6-0055c940a421';
    const { device, driver } = await setup(jobDevice(`http://192.168.1.102:9095${job}`, [page(JPEG(10))]));
    await collect(driver.scan(platen, new AbortController().signal));
    expect(device.seen('GET', '/NextDocument')[0]?.path).toBe(`${job}/NextDocument`);
    expect(device.seen('DELETE')[0]?.path).toBe(job);
  });

  it('503 on ScanJobs is retried, then the job runs', async () => {
    let posts = 0;
    const inner = jobDevice('/eSCL/ScanJobs/1', [page(JPEG(10))]);
    const { device, driver } = await setup((req, res) => (req.method === 'POST' && ++posts <= 2 ? sendStatus(res, 503) : inner(req, res)));
    expect(await collect(driver.scan(platen, new AbortController().signal))).toHaveLength(1);
    expect(device.seen('POST')).toHaveLength(3);
  });

  it('a device that stays busy is DeviceBusy after the retries', async () => {
    const { device, driver } = await setup((req, res) => (req.method === 'POST' ? sendStatus(res, 503) : false));
    const error = await rejection(collect(driver.scan(platen, new AbortController().signal)));
    expect(error.code).toBe('DeviceBusy');
    expect(device.seen('POST')).toHaveLength(1 + FAST.scanJobsRetries);
    expect(device.seen('DELETE')).toHaveLength(0);
  });

  it.each([409, 400])('%i on ScanJobs: settings rejected, not retried', async (code) => {
    const { device, driver } = await setup((req, res) => (req.method === 'POST' ? sendStatus(res, code) : false));
    const error = await rejection(collect(driver.scan(platen, new AbortController().signal)));
    expect(error.code).toBe('InvalidRequest');
    expect(error.message).toMatch(/rejected/);
    expect(device.seen('POST')).toHaveLength(1);
  });

  it('ADF: three pages then 404, each page fully delivered, then DELETE', async () => {
    const sizes = [1000, 70_000, 3];
    const { device, driver } = await setup(jobDevice('/eSCL/ScanJobs/9', sizes.map((n) => page(JPEG(n), 'image/jpeg; charset=binary'))));
    const pages = await collect(driver.scan(adf, new AbortController().signal));
    expect(pages.map((p) => [p.index, p.bytes.length, p.type])).toEqual(sizes.map((n, i) => [i + 1, n + 4, 'image/jpeg']));
    expect(device.seen('GET', '/NextDocument')).toHaveLength(4);
    expect(device.seen('POST')[0]?.body).toMatch(/<scan:Duplex>false<\/scan:Duplex>/);
    expect(device.seen('DELETE')).toHaveLength(1);
  });

  it('503 on NextDocument is retried', async () => {
    const { device, driver } = await setup(jobDevice('/eSCL/ScanJobs/2', [(res) => sendStatus(res, 503), page(JPEG(10))]));
    expect(await collect(driver.scan(platen, new AbortController().signal))).toHaveLength(1);
    expect(device.seen('GET', '/NextDocument')).toHaveLength(2);
  });

  it('a "not ready" 404 while the job still has images to transfer is retried (Xerox)', async () => {
    let notReady = true;
    const status = () => statusXml('Processing', 'ScannerAdfLoaded', [{ uri: '/eSCL/ScanJobs/5', state: notReady ? 'Processing' : 'Completed', toTransfer: notReady ? 1 : 0 }]);
    const answers = [page(JPEG(10)), (res: import('node:http').ServerResponse) => sendStatus(res, 404), (res: import('node:http').ServerResponse) => {
      notReady = false;
      page(JPEG(20))(res);
    }];
    const { device, driver } = await setup(jobDevice('/eSCL/ScanJobs/5', answers, status));
    const pages = await collect(driver.scan(adf, new AbortController().signal));
    expect(pages.map((p) => p.bytes.length)).toEqual([14, 24]);
    expect(device.seen('GET', '/ScannerStatus').length).toBeGreaterThanOrEqual(2);
    expect(device.seen('DELETE')).toHaveLength(1);
  });

  it.each([
    ['ScannerAdfEmpty', 'AdfEmpty'],
    ['ScannerAdfJam', 'AdfJam'],
    ['ScannerAdfHatchOpen', 'CoverOpen'],
  ])('404 on the first ADF page with %s → %s, job still deleted', async (adfState, code) => {
    const { device, driver } = await setup(jobDevice('/eSCL/ScanJobs/3', [], () => statusXml('Idle', adfState)));
    const error = await rejection(collect(driver.scan(adf, new AbortController().signal)));
    expect(error.code).toBe(code);
    expect(device.seen('DELETE')).toHaveLength(1);
  });

  it('a page cut off mid-body fails the page stream and the job, and the job is deleted', async () => {
    const cut = (res: import('node:http').ServerResponse) => {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 100_000 });
      res.write(JPEG(1000), () => setImmediate(() => res.socket?.destroy()));
    };
    const { device, driver } = await setup(jobDevice('/eSCL/ScanJobs/4', [page(JPEG(10)), cut]));
    const iterator = driver.scan(adf, new AbortController().signal)[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    if (!first.done) await buffer(first.value.data);
    const second = await iterator.next();
    if (second.done) throw new Error('expected a second page');
    const streamError = (await rejection(buffer(second.value.data))) as ScanError;
    expect(['DeviceOffline', 'ProtocolError']).toContain(streamError.code);
    const jobError = await rejection(iterator.next());
    expect(jobError.code).toBe(streamError.code);
    expect(device.seen('DELETE')).toHaveLength(1);
  });

  it('cancel while NextDocument is pending: request aborted, DELETE sent, Cancelled thrown', async () => {
    const controller = new AbortController();
    const { device, driver } = await setup((req, res) => {
      if (req.method === 'POST') return sendStatus(res, 201, { location: '/eSCL/ScanJobs/6' });
      if (req.path.endsWith('/NextDocument')) {
        controller.abort();
        return; // never answered: the scanner is "still scanning"
      }
      return false;
    });
    const error = await rejection(collect(driver.scan(platen, controller.signal)));
    expect(error.code).toBe('Cancelled');
    expect(device.seen('DELETE').map((r) => r.path)).toEqual(['/eSCL/ScanJobs/6']);
  });

  it('cancel while a page is streaming ends the page and the job with Cancelled', async () => {
    const controller = new AbortController();
    const slow = (res: import('node:http').ServerResponse) => {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': 100_000 });
      res.write(JPEG(100));
    };
    const { device, driver } = await setup(jobDevice('/eSCL/ScanJobs/8', [slow]));
    const iterator = driver.scan(platen, controller.signal)[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) throw new Error('expected a page');
    first.value.data.once('data', () => controller.abort());
    expect(((await rejection(buffer(first.value.data))) as ScanError).code).toBe('Cancelled');
    expect((await rejection(iterator.next())).code).toBe('Cancelled');
    expect(device.seen('DELETE')).toHaveLength(1);
  });

  it('a consumer that stops after one ADF page still gets the job deleted', async () => {
    const { device, driver } = await setup(jobDevice('/eSCL/ScanJobs/10', [page(JPEG(10)), page(JPEG(10))]));
    for await (const p of driver.scan(adf, new AbortController().signal)) {
      await buffer(p.data);
      break;
    }
    expect(device.seen('DELETE')).toHaveLength(1);
  });

  it('a 404 on DELETE (already gone) does not fail the job', async () => {
    const inner = jobDevice('/eSCL/ScanJobs/11', [page(JPEG(10))]);
    const { driver } = await setup((req, res) => (req.method === 'DELETE' ? sendStatus(res, 404) : inner(req, res)));
    expect(await collect(driver.scan(platen, new AbortController().signal))).toHaveLength(1);
  });

  it('DELETE redirected (301) to another port of the same host is followed; other hosts are not', async () => {
    const other = await startFakeDevice(() => false);
    cleanups.push(() => other.close());
    const inner = jobDevice('/eSCL/ScanJobs/12', [page(JPEG(10))]);
    const { driver } = await setup((req, res) =>
      req.method === 'DELETE' ? sendStatus(res, 301, { location: `http://127.0.0.1:${other.port}${req.path}` }) : inner(req, res),
    );
    await collect(driver.scan(platen, new AbortController().signal));
    expect(other.seen('DELETE').map((r) => r.path)).toEqual(['/eSCL/ScanJobs/12']);

    const elsewhere = await startFakeDevice(() => false);
    cleanups.push(() => elsewhere.close());
    const inner2 = jobDevice('/eSCL/ScanJobs/13', [page(JPEG(10))]);
    const { device, driver: driver2 } = await setup((req, res) =>
      req.method === 'DELETE' ? sendStatus(res, 308, { location: `http://localhost:${elsewhere.port}${req.path}` }) : inner2(req, res),
    );
    await collect(driver2.scan(platen, new AbortController().signal));
    expect(device.seen('DELETE')).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('an already aborted signal sends nothing', async () => {
    const { device, driver } = await setup(() => false);
    const controller = new AbortController();
    controller.abort();
    expect((await rejection(collect(driver.scan(platen, controller.signal)))).code).toBe('Cancelled');
    expect(device.seen('POST')).toHaveLength(0);
  });
});
