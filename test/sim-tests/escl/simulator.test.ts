import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { EsclSimulator, fixturePath, type EsclSimulatorOptions } from '../../sim/escl/index.js';
import { NS_PWG, NS_SCAN, childNamed, childText, childrenNamed, parseXmlTree } from '../../sim/escl/xml-tree.js';
import { http, jobUrl, postJob, scanSettingsXml } from './helpers.js';

const run = promisify(execFile);
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

async function status(s: EsclSimulator) {
  const answer = await http(`${s.baseUrl}ScannerStatus`);
  expect(answer.status).toBe(200);
  const root = parseXmlTree(answer.body.toString('utf8'));
  const jobs = childrenNamed(childNamed(root, NS_SCAN, 'Jobs'), NS_SCAN, 'JobInfo').map((info) => ({
    uri: childText(info, NS_PWG, 'JobUri'),
    state: childText(info, NS_PWG, 'JobState'),
    images: Number(childText(info, NS_PWG, 'ImagesCompleted')),
  }));
  return { state: childText(root, NS_PWG, 'State'), adf: childText(root, NS_SCAN, 'AdfState'), jobs };
}

describe('eSCL simulator documents', () => {
  it('serves the capabilities fixture byte for byte as text/xml', async () => {
    const s = await startSim();
    expect(s.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/eSCL\/$/);
    const answer = await http(`${s.baseUrl}ScannerCapabilities`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/xml');
    expect(answer.body.equals(await readFile(fixturePath('escl/airsane/airsane-ScannerCapabilities.xml')))).toBe(true);
  });

  it('can pose as another device of the same model (uuid, makeAndModel) and serves its icon', async () => {
    const s = await startSim({ uuid: '00000000-1111-2222-3333-444444444444', makeAndModel: 'Sim & Co <Model 2>' });
    const caps = (await http(`${s.baseUrl}ScannerCapabilities`)).body.toString();
    const root = parseXmlTree(caps);
    expect(childText(root, NS_SCAN, 'UUID')).toBe('00000000-1111-2222-3333-444444444444');
    expect(childText(root, NS_PWG, 'MakeAndModel')).toBe('Sim & Co <Model 2>');
    expect(s.capabilities.uuid).toBe('00000000-1111-2222-3333-444444444444');
    const icon = await http(s.iconUrl);
    expect((await sharp(icon.body).metadata()).format).toBe('png');
  });

  it('generates a namespaced, well-formed status: Idle and ADF loaded, then Processing with a job', async () => {
    const s = await startSim();
    expect(await status(s)).toEqual({ state: 'Idle', adf: 'ScannerAdfLoaded', jobs: [] });
    const created = await postJob(s.baseUrl, scanSettingsXml());
    expect(created.status).toBe(201);
    const now = await status(s);
    expect(now.state).toBe('Processing');
    expect(now.jobs).toEqual([{ uri: created.headers.location, state: 'Processing', images: 0 }]);
  });

  it('omits AdfState for a device without a feeder', async () => {
    const s = await startSim({ capabilitiesFixture: fixturePath('escl/capabilities/canon-d570.xml') });
    expect((await status(s)).adf).toBeUndefined();
  });

  it('can be stopped and started again, keeping its jobs', async () => {
    const s = await startSim();
    expect((await postJob(s.baseUrl, scanSettingsXml())).status).toBe(201);
    await s.stop();
    await s.start();
    const page = await http(`${jobUrl(s.baseUrl, s.jobs[0]?.uri)}/NextDocument`);
    expect(page.status).toBe(200);
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    const s = await startSim();
    expect((await http(`${s.baseUrl}Nope`)).status).toBe(404);
    expect((await http(`http://127.0.0.1:${s.port}/other/ScannerStatus`)).status).toBe(404);
    expect((await http(`${s.baseUrl}ScanJobs`)).status).toBe(405);
    expect((await http(`${s.baseUrl}ScanJobs/none/NextDocument`)).status).toBe(404);
  });
});

describe('eSCL simulator jobs', () => {
  it('returns 400 on malformed XML and 409 on settings the device does not support', async () => {
    const s = await startSim();
    expect((await postJob(s.baseUrl, '<scan:ScanSettings')).status).toBe(400);
    expect((await postJob(s.baseUrl, scanSettingsXml({ colorMode: 'BlackAndWhite1' }))).status).toBe(409);
    expect((await postJob(s.baseUrl, scanSettingsXml({ xRes: 100 }))).status).toBe(409);
    expect((await postJob(s.baseUrl, scanSettingsXml({ width: 9000 }))).status).toBe(409);
    expect(s.jobs).toHaveLength(0);
    const large = await postJob(s.baseUrl, `<x>${'a'.repeat(100_000)}</x>`);
    expect(large.status).toBe(413);
  });

  it('creates a platen job (201, empty body), delivers one JPEG of the asked size, then 404', async () => {
    const s = await startSim();
    const created = await postJob(s.baseUrl, scanSettingsXml({ xRes: 150, width: 2480, height: 3508 }));
    expect(created.status).toBe(201);
    expect(created.body.length).toBe(0);
    const job = jobUrl(s.baseUrl, created.headers.location);
    const page = await http(`${job}/NextDocument`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('image/jpeg');
    expect(page.headers['transfer-encoding']).toBe('chunked');
    const meta = await sharp(page.body).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['jpeg', 1240, 1754, 3]);
    expect((await http(`${job}/NextDocument`)).status).toBe(404);
    expect((await status(s)).jobs[0]?.state).toBe('Completed');
    expect((await http(job, { method: 'DELETE' })).status).toBe(200);
    expect((await http(job, { method: 'DELETE' })).status).toBe(404);
    expect(s.undeletedJobs()).toEqual([]);
    expect(s.requests.map((r) => `${r.method} ${r.path}`)).toContain(`DELETE ${new URL(job).pathname}`);
    expect(s.requests.find((r) => r.method === 'POST')?.body).toContain('ScanSettings');
  });

  it('draws grey PNG and 16-bit PNG at the right depth', async () => {
    const s = await startSim();
    const cases = [['Grayscale8', 1, 'uchar'], ['Grayscale16', 1, 'ushort'], ['RGB48', 3, 'ushort']] as const;
    for (const [colorMode, channels, depth] of cases) {
      const created = await postJob(s.baseUrl, scanSettingsXml({ colorMode, format: 'image/png', xRes: 75, width: 600, height: 900 }));
      const page = await http(`${jobUrl(s.baseUrl, created.headers.location)}/NextDocument`);
      const meta = await sharp(page.body).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels, meta.depth]).toEqual(['png', 150, 225, channels, depth]);
    }
  });

  it('delivers a one-page PDF whose page size follows the region', async () => {
    const s = await startSim();
    const created = await postJob(s.baseUrl, scanSettingsXml({ format: 'application/pdf', xRes: 75, width: 2480, height: 3508 }));
    const page = await http(`${jobUrl(s.baseUrl, created.headers.location)}/NextDocument`);
    expect(page.body.subarray(0, 5).toString()).toBe('%PDF-');
    const dir = await mkdtemp(join(tmpdir(), 'escl-sim-pdf-'));
    try {
      await writeFile(join(dir, 'page.pdf'), page.body);
      const { stdout } = await run('pdfinfo', [join(dir, 'page.pdf')], { timeout: 10_000 });
      expect(stdout).toMatch(/Pages:\s+1/);
      expect(stdout).toMatch(/Page size:\s+595\.2 x 841\.92 pts/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('feeds N ADF pages that differ, then 404 with ScannerAdfEmpty', async () => {
    const s = await startSim({ adfPages: 3 });
    const created = await postJob(s.baseUrl, scanSettingsXml({ inputSource: 'Feeder', xRes: 75, width: 600, height: 600 }));
    const job = jobUrl(s.baseUrl, created.headers.location);
    const pages: Buffer[] = [];
    for (;;) {
      const answer = await http(`${job}/NextDocument`);
      if (answer.status !== 200) {
        expect(answer.status).toBe(404);
        break;
      }
      pages.push(answer.body);
    }
    expect(pages).toHaveLength(3);
    expect(new Set(pages.map((p) => p.toString('base64'))).size).toBe(3);
    expect(await status(s)).toMatchObject({ state: 'Idle', adf: 'ScannerAdfEmpty', jobs: [{ state: 'Completed', images: 3 }] });
    s.loadAdf(2);
    expect((await status(s)).adf).toBe('ScannerAdfLoaded');
  });

  it('answers an empty feeder at job start with 404, or 409 like AirSane', async () => {
    for (const emptyFeederAnswer of [404, 409] as const) {
      const s = await startSim({ adfPages: 0, emptyFeederAnswer });
      const created = await postJob(s.baseUrl, scanSettingsXml({ inputSource: 'Feeder' }));
      expect(created.status).toBe(201);
      expect((await http(`${jobUrl(s.baseUrl, created.headers.location)}/NextDocument`)).status).toBe(emptyFeederAnswer);
      expect((await status(s)).adf).toBe('ScannerAdfEmpty');
      await s.stop();
    }
  });

  it('scans duplex as front and back of each sheet (HP OfficeJet Pro 6978)', async () => {
    const s = await startSim({ adfPages: 2, capabilitiesFixture: fixturePath('escl/capabilities/hp-officejet-pro-6978.xml') });
    const created = await postJob(s.baseUrl, scanSettingsXml({ inputSource: 'Feeder', duplex: true, xRes: 75, width: 2480, height: 3507 }));
    expect(created.status).toBe(201);
    const job = jobUrl(s.baseUrl, created.headers.location);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await http(`${job}/NextDocument`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 404]);
    expect(s.jobs[0]?.imagesCompleted).toBe(4);
  });

  it('stays busy (503) while an undeleted job is active, and frees up on DELETE', async () => {
    const s = await startSim();
    const first = await postJob(s.baseUrl, scanSettingsXml({ inputSource: 'Feeder' }));
    expect((await postJob(s.baseUrl, scanSettingsXml())).status).toBe(503);
    const firstUrl = jobUrl(s.baseUrl, first.headers.location);
    expect((await http(firstUrl, { method: 'DELETE' })).status).toBe(200);
    expect((await status(s)).jobs[0]?.state).toBe('Canceled');
    expect((await http(`${firstUrl}/NextDocument`)).status).toBe(404);
    expect((await postJob(s.baseUrl, scanSettingsXml())).status).toBe(201);
    expect(s.undeletedJobs()).toHaveLength(1);
  });
});

describe('eSCL simulator quirks', () => {
  it('spells Location like the modelled devices', async () => {
    const seen: Record<string, string> = {};
    for (const locationStyle of ['relative', 'relative-lowercase-header', 'absolute-bogus-host', 'kyocera-urn'] as const) {
      const s = await startSim({ locationStyle });
      const created = await postJob(s.baseUrl, scanSettingsXml());
      const location = String(created.headers.location);
      seen[locationStyle] = location;
      const page = await http(`${jobUrl(s.baseUrl, location)}/NextDocument`);
      expect(page.status, locationStyle).toBe(200);
      await s.stop();
    }
    expect(seen.relative).toMatch(/^\/eSCL\/ScanJobs\/[0-9a-f-]{36}$/);
    expect(seen['absolute-bogus-host']).toBe('http://BR54BFB02C05XK.03f011c2.hpLedmUSB/eSCL/ScanJobs/1');
    expect(seen['kyocera-urn']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/eSCL\/ScanJobs\/urn:uuid:[0-9a-f-]{36}$/);
  });

  it('sends the header name in lower case for relative-lowercase-header', async () => {
    const s = await startSim({ locationStyle: 'relative-lowercase-header' });
    const { stdout } = await run('curl', ['-s', '-i', '-X', 'POST', '-H', 'Content-Type: text/xml', '--data-binary', scanSettingsXml(), `${s.baseUrl}ScanJobs`], { timeout: 10_000 });
    expect(stdout).toMatch(/\r\nlocation: \/eSCL\/ScanJobs\//);
  });

  it('refuses requests whose Host header is not the required one (HP)', async () => {
    const s = await startSim({ requireHostHeader: 'localhost' });
    expect((await http(`${s.baseUrl}ScannerStatus`)).status).toBe(403);
    expect((await http(`${s.baseUrl}ScannerStatus`, { headers: { host: 'localhost' } })).status).toBe(200);
  });

  it('serves HTTPS with a self-signed certificate and a custom base path', async () => {
    const s = await startSim({ https: true, basePath: '/scanner/1/' });
    expect(s.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/scanner\/1\/$/);
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const answer = await request(`${s.baseUrl}ScannerCapabilities`, { dispatcher });
      expect(answer.statusCode).toBe(200);
      expect(await answer.body.text()).toContain('ScannerCapabilities');
      await expect(request(`${s.baseUrl}ScannerStatus`).then((r) => r.body.text())).rejects.toThrow();
    } finally {
      await dispatcher.close();
    }
  });
});
