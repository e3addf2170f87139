/**
 * The eSCL server's options end to end, on the real gateway in front of a real saned (SANE `test`
 * backend): TLS and plain HTTP on one port (curl, sane-airscan over HTTPS), HTTP basic auth, the
 * allow list winning over credentials, the job timeout for a client that never fetches its pages,
 * and the admin page and icon.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, freePort, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { SANED_AVAILABLE, startSaned, type SanedHarness } from '../sim/saned/saned.js';
import { parseScannerStatus } from '../../src/protocols/escl/status.js';
import { startGateway, waitForScanner, type GatewayProcess } from './gateway-process.js';
import { AIRSCAN_DEVICE_NAME, scanWith } from './escl-clients.js';

const PICTURE = 'test-picture "Color pattern"\n';
const AREA = ['--resolution', '75', '-l', '0', '-t', '0', '-x', '40', '-y', '30'];
const USER = 'scan';
const PASSWORD = 'pa:ss wörd';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const SETTINGS = `<scan:ScanSettings xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm"><pwg:InputSource>Platen</pwg:InputSource><scan:ColorMode>RGB24</scan:ColorMode><pwg:DocumentFormat>image/png</pwg:DocumentFormat><scan:XResolution>75</scan:XResolution><scan:YResolution>75</scan:YResolution><pwg:ScanRegions><pwg:ScanRegion><pwg:Width>300</pwg:Width><pwg:Height>300</pwg:Height></pwg:ScanRegion></pwg:ScanRegions></scan:ScanSettings>`;

let broker: MosquittoBroker;
let saned: SanedHarness;
let probe: MqttProbe;
/** TLS on, only 127.0.0.1 allowed, a 2 s job timeout. */
let secure: GatewayProcess;
/** Basic auth on, only 127.0.0.1 allowed. */
let guarded: GatewayProcess;
let securePort: string;
let guardedPort: string;

const device = (name: string, topic: string) => JSON.stringify([{ name, protocol: 'sane', url: `sane://127.0.0.1:${saned.port}/test:0`, friendly_name: topic }]);

async function sharedPort(baseTopic: string): Promise<string> {
  const devices = await probe.waitFor(`${baseTopic}/bridge/devices`, (m) => m.json<{ shared_url?: string }[]>().some((d) => d.shared_url), 30_000);
  return new URL(devices.json<{ shared_url: string }[]>()[0]!.shared_url).port;
}

beforeAll(async () => {
  if (!SANED_AVAILABLE) return;
  broker = await startMosquitto();
  saned = await startSaned({ testConf: PICTURE });
  probe = await connectProbe(broker.url);
  // DNS-SD adverts on loopback only: nothing reaches the machine's real network (they are tested in namespaces).
  const common = { SCAN2MQTT_MQTT_URL: broker.url, SCAN2MQTT_DISCOVERY_MDNS: 'false', SCAN2MQTT_DISCOVERY_MDNS_INTERFACE: 'lo', SCAN2MQTT_ESCL_SERVER_ENABLED: 'true', SCAN2MQTT_ESCL_SERVER_ALLOW: '127.0.0.1/32' };
  [secure, guarded] = await Promise.all([
    startGateway({ ...common, SCAN2MQTT_DEVICES: device('Lab', 'lab'), SCAN2MQTT_ESCL_SERVER_PORT: String(await freePort()), SCAN2MQTT_ESCL_SERVER_TLS: 'true', SCAN2MQTT_ESCL_SERVER_JOB_TIMEOUT_S: '2' }),
    startGateway({
      ...common,
      SCAN2MQTT_MQTT_BASE_TOPIC: 'guarded',
      SCAN2MQTT_DEVICES: device('Guarded', 'guarded_lab'),
      SCAN2MQTT_ESCL_SERVER_PORT: String(await freePort()),
      SCAN2MQTT_ESCL_SERVER_USERNAME: USER,
      SCAN2MQTT_ESCL_SERVER_PASSWORD: PASSWORD,
    }),
  ]);
  await waitForScanner(probe, 'lab');
  [securePort, guardedPort] = await Promise.all([sharedPort('scan2mqtt'), sharedPort('guarded')]);
}, 90_000);

afterAll(async () => {
  if (process.env.DUMP_GATEWAY_LOG) console.log(secure?.output().split('\n').filter((l) => /escl|eSCL|warn|error|job/.test(l)).slice(-60).join('\n'));
  await probe?.close();
  await secure?.stop();
  await guarded?.stop();
  await saned?.stop();
  await broker?.stop();
});

function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '20', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe.skipIf(!SANED_AVAILABLE)('eSCL server over TLS', () => {
  it('publishes an https shared_url and answers HTTPS and plain HTTP on that one port', async () => {
    const devices = await probe.retainedJson<{ id: string; shared_url?: string }[]>('scan2mqtt/bridge/devices');
    expect(devices?.find((d) => d.id === 'lab')?.shared_url).toMatch(new RegExp(`^https://[^/]+:${securePort}/eSCL$`));
    const tls = await curl(['-k', '-o', '/dev/null', '-w', '%{http_code} %{scheme}', `https://127.0.0.1:${securePort}/eSCL/ScannerCapabilities`]);
    expect(tls.stdout).toBe('200 HTTPS');
    const plain = await curl(['-o', '/dev/null', '-w', '%{http_code} %{scheme}', `http://127.0.0.1:${securePort}/eSCL/ScannerCapabilities`]);
    expect(plain.stdout).toBe('200 HTTP');
  });

  it('keeps its self-signed certificate in the data folder and serves that one', async () => {
    const kept = JSON.parse(await readFile(join(secure.dataFolder, 'escl-server-tls.json'), 'utf8')) as { cert: string };
    const shown = await curl(['-k', '-o', '/dev/null', '-w', '%{certs}', `https://127.0.0.1:${securePort}/eSCL/ScannerStatus`]);
    const served = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(shown.stdout)?.[0];
    expect(served?.replace(/\s+/g, '')).toBe(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(kept.cert)?.[0].replace(/\s+/g, ''));
  });

  it('is scanned by sane-airscan over HTTPS (it takes the self-signed certificate)', async () => {
    const got = await scanWith('airscan', `https://127.0.0.1:${securePort}/eSCL`, `airscan:e0:${AIRSCAN_DEVICE_NAME}`, ['--mode', 'Color', ...AREA, '--batch-count=1']);
    expect(got.code, got.stderr).toBe(0);
    expect(got.pages).toHaveLength(1);
    expect(got.pages[0]!.subarray(0, 2).toString()).toBe('P6');
  });

  it('refuses a loopback address outside allow (127.0.0.2) with 403', async () => {
    const other = await curl(['-k', '--interface', '127.0.0.2', '-o', '/dev/null', '-w', '%{http_code}', `https://127.0.0.1:${securePort}/eSCL/ScannerStatus`]);
    expect(other.stdout).toBe('403');
  });

  it('aborts jobs whose client never fetches their pages, freeing their places; then eSCL and MQTT scans run', async () => {
    const post = () => fetch(`http://127.0.0.1:${securePort}/eSCL/ScanJobs`, { method: 'POST', body: SETTINGS });
    // Every open place taken by a client that then goes quiet (MAX_OPEN_JOBS = 4): the next one is refused.
    const forgotten: string[] = [];
    for (let i = 0; i < 4; i++) {
      const created = await post();
      expect(created.status).toBe(201);
      forgotten.push(created.headers.get('location')!.replace('https:', 'http:'));
    }
    const refused = await post();
    expect(refused.status).toBe(503);
    // The sweep aborts them after escl_server.job_timeout_s (2 s here); the status shows it.
    const uuids = forgotten.map((l) => l.split('/').pop());
    for (;;) {
      const status = parseScannerStatus(await (await fetch(`http://127.0.0.1:${securePort}/eSCL/ScannerStatus`)).text());
      const states = status.jobs.filter((j) => uuids.includes(j.uri?.split('/').pop())).map((j) => j.state);
      if (states.length === 4 && states.every((s) => s === 'Aborted')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const location of forgotten) expect((await fetch(`${location}/NextDocument`)).status).toBe(404);
    const next = await post();
    expect(next.status).toBe(201);
    const page = await fetch(`${next.headers.get('location')!.replace('https:', 'http:')}/NextDocument`);
    expect(page.status).toBe(200);
    await page.arrayBuffer();
    const jobs = await probe.collect('scan2mqtt/lab/job');
    await probe.publish('scan2mqtt/lab/scan', JSON.stringify({ source: 'platen', resolution: 75, color_mode: 'gray', format: 'png', region: { x: 0, y: 0, width: 20, height: 20 } }));
    const done = await jobs.next((m) => m.json<{ trigger?: string }>().trigger === 'command' && ['done', 'failed'].includes(m.json<{ state: string }>().state), 30_000);
    expect(done.json<{ state: string }>().state).toBe('done');
    await jobs.stop();
  });

  it('shows status and the last jobs on the admin page, and an icon whose sides are a power of two', async () => {
    const page = await fetch(`http://127.0.0.1:${securePort}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    // After the tests above: the live state (the MQTT scan may still be settling), the MQTT and eSCL
    // jobs and the aborted forgotten ones listed.
    expect(html).toMatch(/<td id="state">(idle|processing)<\/td>/);
    expect(html).toContain('Noname frontend-tester');
    expect(html).toMatch(/<td>command<\/td><td>done<\/td>/);
    expect(html).toMatch(/<td>escl<\/td><td>done<\/td>/);
    expect(html).toMatch(/<td>eSCL<\/td><td>Aborted<\/td>/);
    const icon = await fetch(`http://127.0.0.1:${securePort}/icon.png`);
    expect(icon.headers.get('content-type')).toBe('image/png');
    const meta = await sharp(Buffer.from(await icon.arrayBuffer())).metadata();
    for (const side of [meta.width!, meta.height!]) expect(Math.log2(side) % 1).toBe(0);
  });
});

describe.skipIf(!SANED_AVAILABLE)('eSCL server with basic auth', () => {
  const url = (path: string) => `http://127.0.0.1:${guardedPort}${path}`;

  it('answers 401 with WWW-Authenticate without credentials and with wrong ones, on every resource', async () => {
    for (const path of ['/eSCL/ScannerCapabilities', '/eSCL/ScannerStatus', '/', '/icon.png']) {
      for (const headers of [{} as Record<string, string>, { authorization: `Basic ${Buffer.from(`${USER}:wrong`).toString('base64')}` }, { authorization: 'Bearer x' }]) {
        const r = await fetch(url(path), { headers });
        expect(r.status).toBe(401);
        expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm="scan2mqtt"/);
      }
    }
    expect((await fetch(url('/eSCL/ScanJobs'), { method: 'POST', body: SETTINGS })).status).toBe(401);
  });

  it('scans with the credentials: job created, page fetched, 404 at the end, job deleted', async () => {
    const headers = { authorization: AUTH };
    expect((await fetch(url('/eSCL/ScannerCapabilities'), { headers })).status).toBe(200);
    const created = await fetch(url('/eSCL/ScanJobs'), { method: 'POST', body: SETTINGS, headers });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const page = await fetch(`${location}/NextDocument`, { headers });
    expect(page.status).toBe(200);
    const png = await sharp(Buffer.from(await page.arrayBuffer())).metadata();
    // 300/300 inch at 75 dpi; the test backend rounds its area to whole millimetres (73 or 75 pixels).
    expect(png.format).toBe('png');
    expect(png.width).toBeGreaterThanOrEqual(72);
    expect((await fetch(`${location}/NextDocument`, { headers })).status).toBe(404);
    expect((await fetch(location, { method: 'DELETE', headers })).status).toBe(200);
  });

  it('still refuses an address outside allow with 403, credentials or not', async () => {
    for (const extra of [[], ['-u', `${USER}:${PASSWORD}`]]) {
      const r = await curl([...extra, '--interface', '127.0.0.2', '-o', '/dev/null', '-w', '%{http_code}', url('/eSCL/ScannerStatus')]);
      expect(r.stdout).toBe('403');
    }
  });
});
