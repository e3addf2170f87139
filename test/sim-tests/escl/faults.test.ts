import { get } from 'node:http';
import sharp from 'sharp';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { EsclSimulator, type EsclSimulatorOptions } from '../../sim/escl/index.js';
import { parseXmlTree } from '../../sim/escl/xml-tree.js';
import { http, jobUrl, postJob, scanSettingsXml } from './helpers.js';

let sim: EsclSimulator | undefined;

async function startSim(options: EsclSimulatorOptions = {}): Promise<EsclSimulator> {
  sim = new EsclSimulator(options);
  await sim.start();
  return sim;
}

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const smallAdf = () => scanSettingsXml({ inputSource: 'Feeder', xRes: 75, width: 300, height: 300 });
const smallPlaten = () => scanSettingsXml({ xRes: 75, width: 300, height: 300 });

async function createJob(s: EsclSimulator, xml = smallAdf()): Promise<string> {
  const created = await postJob(s.baseUrl, xml);
  expect(created.status).toBe(201);
  return jobUrl(s.baseUrl, created.headers.location);
}

async function adfState(s: EsclSimulator): Promise<string | undefined> {
  return /<scan:AdfState>(\w+)</.exec((await http(`${s.baseUrl}ScannerStatus`)).body.toString())?.[1];
}

/** GETs a URL with node:http, collecting bytes until the body ends or the connection dies. */
function rawGet(url: string): Promise<{ status?: number; bytes: number; failed: boolean; chunks: number }> {
  return new Promise((resolve) => {
    let bytes = 0;
    let chunks = 0;
    const req = get(url, (res) => {
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        chunks += 1;
      });
      res.on('end', () => resolve({ status: res.statusCode, bytes, failed: false, chunks }));
      res.on('error', () => resolve({ status: res.statusCode, bytes, failed: true, chunks }));
      res.on('aborted', () => resolve({ status: res.statusCode, bytes, failed: true, chunks }));
    });
    req.on('error', () => resolve({ bytes, failed: true, chunks }));
  });
}

describe('eSCL simulator faults', () => {
  it('busy: 503 on the next n ScanJobs/NextDocument requests', async () => {
    const s = await startSim();
    s.inject({ kind: 'busy', times: 2 });
    expect((await postJob(s.baseUrl, smallAdf())).status).toBe(503);
    expect((await postJob(s.baseUrl, smallAdf())).status).toBe(503);
    const job = await createJob(s);
    s.inject({ kind: 'busy', times: 1 });
    expect((await http(`${job}/NextDocument`)).status).toBe(503);
    expect((await http(`${job}/NextDocument`)).status).toBe(200);
  });

  it('conflict: 409 once on ScanJobs', async () => {
    const s = await startSim();
    s.inject({ kind: 'conflict' });
    expect((await postJob(s.baseUrl, smallPlaten())).status).toBe(409);
    expect((await postJob(s.baseUrl, smallPlaten())).status).toBe(201);
  });

  it('jam: pages up to the jam, then 503, status ScannerAdfJam, then 404; loadAdf clears it', async () => {
    const s = await startSim({ adfPages: 5 });
    s.inject({ kind: 'jam', afterPages: 2 });
    const job = await createJob(s);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await http(`${job}/NextDocument`)).status);
    expect(statuses).toEqual([200, 200, 503, 404, 404]);
    expect(await adfState(s)).toBe('ScannerAdfJam');
    expect(s.jobs[0]?.state).toBe('Aborted');
    s.loadAdf(1);
    expect(await adfState(s)).toBe('ScannerAdfLoaded');
  });

  it('jam with then=500 answers 500 after the first 503', async () => {
    const s = await startSim({ adfPages: 5 });
    s.inject({ kind: 'jam', afterPages: 0, then: 500 });
    const job = await createJob(s);
    expect((await http(`${job}/NextDocument`)).status).toBe(503);
    expect((await http(`${job}/NextDocument`)).status).toBe(500);
  });

  it('slow-body: the page still arrives whole, in many small pieces', async () => {
    const s = await startSim();
    s.inject({ kind: 'slow-body', bytesPerSecond: 10_000 });
    const job = await createJob(s, smallPlaten());
    const answer = await rawGet(`${job}/NextDocument`);
    expect(answer).toMatchObject({ status: 200, failed: false });
    expect(answer.chunks).toBeGreaterThan(1);
  });

  it('cut-body: the connection dies after exactly afterBytes of the page', async () => {
    const s = await startSim();
    s.inject({ kind: 'cut-body', afterBytes: 1000 });
    const job = await createJob(s, scanSettingsXml({ xRes: 150, width: 1200, height: 1200 }));
    const answer = await rawGet(`${job}/NextDocument`);
    expect(answer).toMatchObject({ status: 200, failed: true, bytes: 1000 });
    // The fault is one-shot: the simulator keeps serving.
    expect((await http(`${s.baseUrl}ScannerStatus`)).status).toBe(200);
  });

  it('cut-body with afterPages: the pages before it arrive whole, the next one is cut', async () => {
    const s = await startSim({ adfPages: 5 });
    s.inject({ kind: 'cut-body', afterBytes: 500, afterPages: 2 });
    const job = await createJob(s, scanSettingsXml({ inputSource: 'Feeder', xRes: 150, width: 1200, height: 1200 }));
    const answers = [await rawGet(`${job}/NextDocument`), await rawGet(`${job}/NextDocument`), await rawGet(`${job}/NextDocument`)];
    expect(answers.map((a) => a.failed)).toEqual([false, false, true]);
    expect(answers[2]?.bytes).toBe(500);
  });

  it('endless-adf: the feeder never runs out and keeps reporting paper', async () => {
    const s = await startSim({ adfPages: 1 });
    s.inject({ kind: 'endless-adf' });
    const job = await createJob(s);
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await http(`${job}/NextDocument`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await adfState(s)).toBe('ScannerAdfLoaded');
    expect(/<pwg:ImagesToTransfer>(\d+)</.exec((await http(`${s.baseUrl}ScannerStatus`)).body.toString())?.[1]).not.toBe('0');
    s.clearFaults();
    expect((await http(`${job}/NextDocument`)).status).toBe(404);
  });

  it('unplug: after afterPages whole pages the device is gone until cleared', async () => {
    const s = await startSim({ adfPages: 5 });
    s.inject({ kind: 'unplug', afterPages: 2 });
    const job = await createJob(s);
    expect(await rawGet(`${job}/NextDocument`)).toMatchObject({ status: 200, failed: false });
    expect(await rawGet(`${job}/NextDocument`)).toMatchObject({ status: 200, failed: false });
    expect((await rawGet(`${job}/NextDocument`)).failed).toBe(true);
    await expect(request(`${s.baseUrl}ScannerStatus`).then((r) => r.body.text())).rejects.toThrow();
    s.clearFaults();
    expect((await http(`${s.baseUrl}ScannerStatus`)).status).toBe(200);
  });

  it('malformed-xml: the next capabilities or status document is truncated', async () => {
    const s = await startSim();
    for (const target of ['capabilities', 'status'] as const) {
      const url = `${s.baseUrl}${target === 'capabilities' ? 'ScannerCapabilities' : 'ScannerStatus'}`;
      s.inject({ kind: 'malformed-xml', target });
      const broken = await http(url);
      expect(broken.status).toBe(200);
      expect(() => parseXmlTree(broken.body.toString())).toThrow();
      const fixed = (await http(url)).body.toString();
      expect(() => parseXmlTree(fixed)).not.toThrow();
    }
  });

  it('slow-answer: the next capabilities/status answer comes late and whole; the ones after it do not wait', async () => {
    const s = await startSim();
    s.inject({ kind: 'slow-answer', delayMs: 1000 });
    const order: string[] = [];
    const slow = http(`${s.baseUrl}ScannerCapabilities`).then((r) => (order.push('capabilities'), r));
    await new Promise((r) => setTimeout(r, 50));
    const prompt = http(`${s.baseUrl}ScannerStatus`).then((r) => (order.push('status'), r));
    const [caps, status] = await Promise.all([slow, prompt]);
    expect(order).toEqual(['status', 'capabilities']);
    expect(() => parseXmlTree(caps.body.toString())).not.toThrow();
    expect(/<pwg:State>(\w+)</.exec(status.body.toString())?.[1]).toBe('Idle');
  });

  it('false-404: Brother-style 404 between pages while the feeder still holds paper', async () => {
    const s = await startSim({ adfPages: 3 });
    s.inject({ kind: 'false-404' });
    const job = await createJob(s);
    expect((await http(`${job}/NextDocument`)).status).toBe(200);
    expect((await http(`${job}/NextDocument`)).status).toBe(404);
    expect(await adfState(s)).toBe('ScannerAdfLoaded');
    expect(s.jobs[0]?.state).toBe('Processing');
    expect((await http(`${job}/NextDocument`)).status).toBe(200);
    expect((await http(`${job}/NextDocument`)).status).toBe(200);
    expect((await http(`${job}/NextDocument`)).status).toBe(404);
  });

  it('xerox-410: 410 means retry, the page follows', async () => {
    const s = await startSim();
    s.inject({ kind: 'xerox-410', times: 2 });
    const job = await createJob(s, smallPlaten());
    expect((await http(`${job}/NextDocument`)).status).toBe(410);
    expect((await http(`${job}/NextDocument`)).status).toBe(410);
    const page = await http(`${job}/NextDocument`);
    expect((await sharp(page.body).metadata()).width).toBe(75);
  });

  it('hang: NextDocument never answers; stop() ends it', async () => {
    const s = await startSim();
    s.inject({ kind: 'hang' });
    const job = await createJob(s, smallPlaten());
    const pending = rawGet(`${job}/NextDocument`);
    while (!s.requests.some((r) => r.path.endsWith('/NextDocument'))) await http(`${s.baseUrl}ScannerStatus`);
    await s.stop();
    expect(await pending).toMatchObject({ failed: true, bytes: 0 });
  });

  it('stop() during a slow page scan drops the pending request', async () => {
    const s = await startSim({ pageDelayMs: 600_000 });
    const job = await createJob(s);
    const pending = rawGet(`${job}/NextDocument`);
    while (!s.requests.some((r) => r.path.endsWith('/NextDocument'))) await http(`${s.baseUrl}ScannerStatus`);
    await s.stop();
    expect(await pending).toMatchObject({ failed: true, bytes: 0 });
  });

  it('offline: every connection is closed until the fault is cleared', async () => {
    const s = await startSim();
    const job = await createJob(s);
    s.inject({ kind: 'offline' });
    await expect(request(`${s.baseUrl}ScannerStatus`).then((r) => r.body.text())).rejects.toThrow();
    expect((await rawGet(`${job}/NextDocument`)).failed).toBe(true);
    s.clearFaults();
    expect((await http(`${s.baseUrl}ScannerStatus`)).status).toBe(200);
  });
});
