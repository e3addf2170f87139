/**
 * The gateway's eSCL server end to end (issue 12): a real saned (SANE `test` backend) behind the
 * gateway, shared with the defaults a user gets apart from `escl_server.enabled`, scanned by
 * Debian's sane-airscan and SANE's escl backend; every page's pixels equal a direct scan.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, freePort, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { SANED_AVAILABLE, startSaned, type SanedHarness } from '../sim/saned/saned.js';
import { parseScannerCapabilities } from '../../src/protocols/escl/capabilities.js';
import { parseScannerStatus } from '../../src/protocols/escl/status.js';
import { startGateway, waitForScanner, type GatewayProcess } from './gateway-process.js';
import { AIRSCAN_DEVICE_NAME, referenceBatch, samePixels, scanWith } from './escl-clients.js';

const PICTURE = 'test-picture "Color pattern"\n';
/**
 * Shared scanners are advertised by DNS-SD on every interface by default: kept on loopback here, so
 * this test sends nothing to the machine's real network (the adverts themselves are tested in
 * network namespaces: escl-server-discovery-end-to-end, escl-advert-avahi). Clients use URLs.
 */
const LOOPBACK_ADVERTS = { SCAN2MQTT_DISCOVERY_MDNS_INTERFACE: 'lo' };
/** 40 x 30 mm at 75 dpi: quick pages. */
const AREA = ['--resolution', '75', '-l', '0', '-t', '0', '-x', '40', '-y', '30'];

let broker: MosquittoBroker;
let saned: SanedHarness;
let gateway: GatewayProcess;
let probe: MqttProbe;
let port: number;
let base: string;
let feederBase: string;

beforeAll(async () => {
  if (!SANED_AVAILABLE) return;
  broker = await startMosquitto();
  saned = await startSaned({ testConf: PICTURE });
  port = await freePort();
  probe = await connectProbe(broker.url);
  gateway = await startGateway({
    SCAN2MQTT_MQTT_URL: broker.url,
    SCAN2MQTT_DISCOVERY_MDNS: 'false',
    SCAN2MQTT_DEVICES: JSON.stringify([
      { name: 'Lab', protocol: 'sane', url: `sane://127.0.0.1:${saned.port}/test:0`, friendly_name: 'lab' },
      // Its own device for the feeder test: the test backend counts feeder pages per open device.
      { name: 'Feeder', protocol: 'sane', url: `sane://127.0.0.1:${saned.port}/test:1`, friendly_name: 'feeder' },
    ]),
    SCAN2MQTT_ESCL_SERVER_ENABLED: 'true',
    SCAN2MQTT_ESCL_SERVER_PORT: String(port),
    ...LOOPBACK_ADVERTS,
  });
  await Promise.all([waitForScanner(probe, 'lab'), waitForScanner(probe, 'feeder')]);
  const devices = await probe.retainedJson<{ id: string; shared_url: string }[]>('scan2mqtt/bridge/devices');
  const portOf = (id: string) => new URL(devices!.find((d) => d.id === id)!.shared_url).port;
  base = `http://127.0.0.1:${portOf('lab')}`;
  feederBase = `http://127.0.0.1:${portOf('feeder')}`;
}, 90_000);

afterAll(async () => {
  if (process.env.DUMP_GATEWAY_LOG) console.log(gateway?.output().split('\n').filter((l) => /escl|eSCL|warn|error|job/.test(l)).slice(-60).join('\n'));
  await probe?.close();
  await gateway?.stop();
  await saned?.stop();
  await broker?.stop();
});

interface JobEvent {
  id: string;
  state: string;
  pages: number;
  trigger?: string;
  settings?: { region: { x: number; y: number; width: number; height: number } };
}

/** The area the gateway asked the device for, as scanimage options (so the direct scan covers the same pixels). */
const areaOf = (job: JobEvent) => {
  const r = job.settings!.region;
  return ['-l', String(r.x), '-t', String(r.y), '-x', String(r.width), '-y', String(r.height)];
};

/** Runs an eSCL client while watching the scanner's jobs; resolves with the scan and the job it ran as. */
async function clientScan(scanner: string, run: () => ReturnType<typeof scanWith>) {
  const jobs = await probe.collect(`scan2mqtt/${scanner}/job`);
  const got = await run();
  const done = await jobs.next((m) => ['done', 'failed', 'cancelled'].includes(m.json<JobEvent>().state), 30_000);
  await jobs.stop();
  return { got, job: done.json<JobEvent>() };
}

const airscan = (args: string[]) => () => scanWith('airscan', `${base}/eSCL`, `airscan:e0:${AIRSCAN_DEVICE_NAME}`, args);
const escl = (args: string[]) => () => scanWith('escl', `${base}/eSCL`, `escl:${base}`, args);

describe.skipIf(!SANED_AVAILABLE)('eSCL server end to end', () => {
  it('publishes shared_url on bridge/devices and serves capabilities and status the client parser reads', async () => {
    const devices = await probe.retainedJson<{ id: string; shared_url?: string }[]>('scan2mqtt/bridge/devices');
    const lab = devices?.find((d) => d.id === 'lab');
    expect(lab?.shared_url).toMatch(new RegExp(`^http://[^/]+:${port}/eSCL$`));
    const caps = parseScannerCapabilities(await (await fetch(`${base}/eSCL/ScannerCapabilities`)).text());
    expect(caps.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(caps.native.sources).sort()).toEqual(['adf', 'platen']);
    expect(caps.native.sources.platen?.formats).toEqual(expect.arrayContaining(['application/pdf', 'image/jpeg', 'image/png']));
    const status = parseScannerStatus(await (await fetch(`${base}/eSCL/ScannerStatus`)).text());
    expect(status.status.state).toBe('idle');
  });

  for (const { mode, args } of [
    { mode: 'colour', args: ['--mode', 'Color'] },
    { mode: 'gray', args: ['--mode', 'Gray'] },
  ]) {
    for (const [client, run] of [['sane-airscan', airscan], ["SANE's escl backend", escl]] as const) {
      it(`${client} scans the platen in ${mode} with the pixels of a direct scan`, async () => {
        const { got, job } = await clientScan('lab', run([...args, ...AREA, '--batch-count=1']));
        expect(got.code, got.stderr).toBe(0);
        expect(got.pages).toHaveLength(1);
        expect(job).toMatchObject({ state: 'done', trigger: 'escl', pages: 1 });
        const ref = await referenceBatch(saned.configDir, 'test:0', [...args, '--depth', '8', '--resolution', '75', ...areaOf(job), '--batch-count=1']);
        expect(ref.code, ref.stderr).toBe(0);
        samePixels(got.pages[0]!, ref.pages[0]!, client === 'sane-airscan' ? 1 : 0);
      });
    }
  }

  it('sane-airscan scans an ADF batch to its end (10 pages, then 404) with the pixels of a direct scan', async () => {
    const { got, job } = await clientScan('feeder', () => scanWith('airscan', `${feederBase}/eSCL`, `airscan:e0:${AIRSCAN_DEVICE_NAME}`, ['--source', 'ADF', '--mode', 'Gray', ...AREA]));
    expect(got.code, got.stderr).toBe(0);
    expect(job).toMatchObject({ state: 'done', pages: 10 });
    const ref = await referenceBatch(saned.configDir, 'test:1', ['--source', 'Automatic Document Feeder', '--mode', 'Gray', '--depth', '8', '--resolution', '75', ...areaOf(job)]);
    expect(got.pages).toHaveLength(10);
    expect(ref.pages).toHaveLength(10);
    got.pages.forEach((page, i) => samePixels(page, ref.pages[i]!, 1));
  });
});

const SETTINGS = (inner: string) =>
  `<scan:ScanSettings xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm"><pwg:InputSource>Platen</pwg:InputSource><scan:ColorMode>RGB24</scan:ColorMode><pwg:DocumentFormat>image/png</pwg:DocumentFormat><scan:XResolution>75</scan:XResolution><scan:YResolution>75</scan:YResolution>${inner}</scan:ScanSettings>`;
const SMALL_REGION = '<pwg:ScanRegions><pwg:ScanRegion><pwg:Width>300</pwg:Width><pwg:Height>300</pwg:Height></pwg:ScanRegion></pwg:ScanRegions>';

describe.skipIf(!SANED_AVAILABLE)('eSCL server against hostile and careless clients', () => {
  it('answers malformed settings 400 and absurd ones 409, and keeps serving', async () => {
    const post = (body: string) => fetch(`${base}/eSCL/ScanJobs`, { method: 'POST', body }).then((r) => r.status);
    expect(await post('<scan:ScanSettings')).toBe(400);
    expect(await post(SETTINGS('<pwg:ScanRegions><pwg:ScanRegion><pwg:Width>99999999999</pwg:Width><pwg:Height>1</pwg:Height></pwg:ScanRegion></pwg:ScanRegions>'))).toBe(409);
    expect(await post(SETTINGS('').replace('<scan:XResolution>75', '<scan:XResolution>9000000'))).toBe(409);
    expect(await post('x'.repeat(200_000))).toBe(413);
    expect((await fetch(`${base}/eSCL/ScannerStatus`)).status).toBe(200);
  });

  it('takes a few open jobs of a thousand asked for at once, answers the rest 503 + Retry-After, and stays up', async () => {
    // In waves of 100 concurrent requests (the server's connection cap is 256).
    const answers: Response[] = [];
    for (let wave = 0; wave < 10; wave++) {
      answers.push(...(await Promise.all(Array.from({ length: 100 }, () => fetch(`${base}/eSCL/ScanJobs`, { method: 'POST', body: SETTINGS(SMALL_REGION) })))));
    }
    const created = answers.filter((r) => r.status === 201);
    const busy = answers.filter((r) => r.status === 503);
    expect(created.length).toBeGreaterThan(0);
    expect(created.length).toBeLessThanOrEqual(4);
    expect(busy.length + created.length).toBe(1000);
    expect(busy.every((r) => r.headers.get('retry-after') !== null)).toBe(true);
    for (const r of created) expect((await fetch(r.headers.get('location')!, { method: 'DELETE' })).status).toBe(200);
    expect(gateway.child.exitCode).toBeNull();
    const status = parseScannerStatus(await (await fetch(`${base}/eSCL/ScannerStatus`)).text());
    expect(status.jobs.filter((j) => j.state === 'Pending' || j.state === 'Processing')).toEqual([]);
  });

  /** GETs `path`, reads the headers and `keep` body bytes, then resets the connection (RST, not a clean close). */
  async function readPartThenReset(path: string, keep: number): Promise<{ status: number; length: number }> {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(base).port) });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const head = await new Promise<Buffer>((resolve, reject) => {
      let got = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        const split = got.indexOf('\r\n\r\n');
        if (split < 0 || got.length - split - 4 < keep) return;
        socket.removeAllListeners('data');
        socket.resetAndDestroy();
        resolve(got);
      });
    });
    await new Promise((resolve) => socket.once('close', resolve));
    const text = head.toString('latin1');
    return { status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1]), length: Number(/content-length: (\d+)/i.exec(text)?.[1]) };
  }

  const regionAt = (dpi: number, w: number, h: number) =>
    SETTINGS(`<pwg:ScanRegions><pwg:ScanRegion><pwg:Width>${w}</pwg:Width><pwg:Height>${h}</pwg:Height></pwg:ScanRegion></pwg:ScanRegions>`).replace(/Resolution>75</g, `Resolution>${dpi}<`);
  for (const { size, settings } of [
    // Fits in the socket buffers: written out whole before the client drops (the reset tells).
    { size: 'a small page', settings: regionAt(75, 300, 300) },
    // Larger than any socket buffer: the response cannot finish.
    { size: 'a page larger than the socket buffers', settings: regionAt(600, 2400, 3300) },
  ]) {
    it(`hands ${size} again after the client read part of it and reset the connection, then 404 at the end`, async () => {
      const created = await fetch(`${base}/eSCL/ScanJobs`, { method: 'POST', body: settings });
      expect(created.status).toBe(201);
      const location = created.headers.get('location')!;
      expect(location).toMatch(/\/eSCL\/ScanJobs\/[0-9a-f-]{36}$/);
      const path = `${new URL(location).pathname}/NextDocument`;
      const broken = await readPartThenReset(path, 64);
      expect(broken.status).toBe(200);
      // The server learns of the reset in its own time (under load, after a new connection's request):
      // what it tells clients is ScannerStatus, whose job shows the page waiting again.
      const uuid = location.split('/').pop();
      for (;;) {
        const status = parseScannerStatus(await (await fetch(`${base}/eSCL/ScannerStatus`)).text());
        if (status.jobs.find((j) => j.uri?.endsWith(uuid!))?.imagesToTransfer === 1) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const again = await fetch(`${location}/NextDocument`);
      expect(again.status).toBe(200);
      const page = Buffer.from(await again.arrayBuffer());
      expect(page.length).toBe(broken.length);
      expect(page.subarray(1, 4).toString()).toBe('PNG');
      expect((await fetch(`${location}/ScanImageInfo`)).status).toBe(200);
      // Read whole and closed cleanly: the place moved on, the page is not handed out twice.
      const end = await fetch(`${location}/NextDocument`);
      expect(end.status).toBe(404);
      expect((await end.arrayBuffer()).byteLength).toBe(0);
    });
  }

  it('runs an eSCL scan and an MQTT scan on the same scanner at once, one after the other', async () => {
    const jobs = await probe.collect('scan2mqtt/lab/job');
    await probe.publish('scan2mqtt/lab/scan', JSON.stringify({ source: 'platen', resolution: 150, color_mode: 'color', format: 'png', region: { x: 0, y: 0, width: 100, height: 100 } }));
    const escl = await scanWith('airscan', `${base}/eSCL`, `airscan:e0:${AIRSCAN_DEVICE_NAME}`, ['--mode', 'Color', ...AREA, '--batch-count=1']);
    expect(escl.code, escl.stderr).toBe(0);
    const finals = async () => jobs.messages.map((m) => m.json<JobEvent>()).filter((e) => e.state === 'done');
    await jobs.next((m) => m.json<JobEvent>().state === 'done' && m.json<JobEvent>().trigger === 'escl', 30_000);
    await jobs.next((m) => m.json<JobEvent>().state === 'done' && m.json<JobEvent>().trigger !== 'escl', 30_000);
    const done = await finals();
    expect(done.map((e) => e.trigger).sort()).toEqual(['command', 'escl']);
    await jobs.stop();
  });

  it('refuses a client outside escl_server.allow with 403 and nothing else', async () => {
    const other = await startGateway({
      SCAN2MQTT_MQTT_URL: broker.url,
      SCAN2MQTT_MQTT_BASE_TOPIC: 'scan2mqtt_allow',
      SCAN2MQTT_DISCOVERY_MDNS: 'false',
      SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Lab', protocol: 'sane', url: `sane://127.0.0.1:${saned.port}/test:0`, friendly_name: 'lab' }]),
      SCAN2MQTT_ESCL_SERVER_ENABLED: 'true',
      SCAN2MQTT_ESCL_SERVER_PORT: String(await freePort()),
      SCAN2MQTT_ESCL_SERVER_ALLOW: '192.0.2.0/24',
      ...LOOPBACK_ADVERTS,
    });
    try {
      const devices = await probe.waitFor('scan2mqtt_allow/bridge/devices', (m) => m.json<{ shared_url?: string }[]>().some((d) => d.shared_url), 30_000);
      const url = new URL(devices.json<{ shared_url: string }[]>()[0]!.shared_url);
      for (const path of ['/eSCL/ScannerCapabilities', '/eSCL/ScannerStatus', '/']) {
        const r = await fetch(`http://127.0.0.1:${url.port}${path}`);
        expect(r.status).toBe(403);
        expect((await r.arrayBuffer()).byteLength).toBe(0);
      }
      expect((await fetch(`http://127.0.0.1:${url.port}/eSCL/ScanJobs`, { method: 'POST', body: SETTINGS('') })).status).toBe(403);
    } finally {
      await other.stop();
    }
  });
});
