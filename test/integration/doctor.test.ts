/**
 * `scan2mqtt doctor` against real parts: a real Mosquitto (open, with a password, with TLS),
 * the eSCL simulator, a real saned with SANE's test backend, and folders on real file systems
 * (a read-only tmpfs, a tiny tmpfs). Multicast is switched off here (it would leave loopback);
 * doctor-multicast.test.ts checks it inside test namespaces, with the defaults.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { CAN_MOUNT, mountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { SANED_AVAILABLE, startSaned, type SanedHarness } from '../sim/saned/saned.js';
import { areaLines, runDoctorCommand } from './doctor-run.js';

const NO_MULTICAST = { SCAN2MQTT_DISCOVERY_MDNS: 'false', SCAN2MQTT_DISCOVERY_WSD: 'false' };
let open: MosquittoBroker;
let closed: MosquittoBroker;
let tls: MosquittoBroker;
let sim: EsclSimulator;
let data: string;

beforeAll(async () => {
  [open, closed, tls] = await Promise.all([startMosquitto(), startMosquitto({ auth: { username: 'gw', password: 'right' } }), startMosquitto({ tls: true, auth: { username: 'gw', password: 'right' } })]);
  sim = new EsclSimulator({});
  await sim.start();
  data = await mkdtemp(join(tmpdir(), 'scan2mqtt-doctor-'));
}, 60_000);

afterAll(async () => {
  await Promise.all([open?.stop(), closed?.stop(), tls?.stop(), sim?.stop()]);
  if (data) await rm(data, { recursive: true, force: true });
});

const folders = () => ({ SCAN2MQTT_DATA_FOLDER: data, SCAN2MQTT_STORAGE_FOLDER: join(data, 'scans'), SCAN2MQTT_STORAGE_MIN_FREE_MB: '1' });

describe('scan2mqtt doctor', () => {
  it('says all is well and exits 0 for a working broker, folders and an eSCL device', async () => {
    const devices = JSON.stringify([{ name: 'Office', protocol: 'escl', url: sim.baseUrl }]);
    const run = await runDoctorCommand({ ...NO_MULTICAST, ...folders(), SCAN2MQTT_MQTT_URL: closed.url, SCAN2MQTT_MQTT_USERNAME: 'gw', SCAN2MQTT_MQTT_PASSWORD: 'right', SCAN2MQTT_DEVICES: devices });
    expect(run.stdout).toContain('All is well.');
    expect(run.code).toBe(0);
    expect(areaLines(run.stdout, 'broker')).toContain(`ok      mqtt://127.0.0.1:${closed.port}: logged in as "gw"`);
    const device = areaLines(run.stdout, 'devices').join('\n');
    expect(device).toMatch(/escl answers .*capabilities read: sources platen/);
    expect(device).toMatch(/status: idle/);
  });

  it('names wrong credentials with the fix, and exits 1', async () => {
    const run = await runDoctorCommand({ ...NO_MULTICAST, ...folders(), SCAN2MQTT_MQTT_URL: closed.url, SCAN2MQTT_MQTT_USERNAME: 'gw', SCAN2MQTT_MQTT_PASSWORD: 'wrong' });
    expect(run.code).toBe(1);
    const broker = areaLines(run.stdout, 'broker').join('\n');
    expect(broker).toContain('PROBLEM');
    expect(broker).toContain('the broker refuses user "gw"');
    expect(broker).toContain('fix: check mqtt.username and mqtt.password');
  });

  it('tells an anonymous client of a closed broker to set credentials', async () => {
    const run = await runDoctorCommand({ ...NO_MULTICAST, ...folders(), SCAN2MQTT_MQTT_URL: closed.url });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('the broker refuses anonymous clients');
  });

  it('says when nothing listens where the broker should be', async () => {
    const run = await runDoctorCommand({ ...NO_MULTICAST, ...folders(), SCAN2MQTT_MQTT_URL: `mqtt://127.0.0.1:${await freePort()}` });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/cannot reach the broker: nothing listens on 127\.0\.0\.1:\d+/);
  });

  it('names a TLS failure and its fix, and passes with the broker CA', async () => {
    const login = { SCAN2MQTT_MQTT_URL: tls.url, SCAN2MQTT_MQTT_USERNAME: 'gw', SCAN2MQTT_MQTT_PASSWORD: 'right' };
    const without = await runDoctorCommand({ ...NO_MULTICAST, ...folders(), ...login });
    expect(without.code).toBe(1);
    expect(without.stdout).toMatch(/TLS handshake failed: \S*(SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify)/i);
    expect(without.stdout).toContain('fix: give the CA that signed the broker certificate in mqtt.ca');
    const withCa = await runDoctorCommand({ ...NO_MULTICAST, ...folders(), ...login, SCAN2MQTT_MQTT_CA: tls.caFile! });
    expect(withCa.stdout).toContain('TLS certificate accepted');
    expect(withCa.code).toBe(0);
  });

  it('says a plain MQTT URL pointed at a TLS port is not answered as MQTT', async () => {
    const run = await runDoctorCommand({ ...NO_MULTICAST, ...folders(), SCAN2MQTT_MQTT_URL: `mqtt://127.0.0.1:${tls.port}` });
    expect(run.code).toBe(1);
    expect(areaLines(run.stdout, 'broker').join('\n')).toMatch(/PROBLEM .*MQTT login failed/);
  });

  it('reports an eSCL URL with the wrong path and an unreachable device, each with its fix', async () => {
    const devices = JSON.stringify([
      { name: 'Wrong path', protocol: 'escl', url: `${new URL(sim.baseUrl).origin}/nothing-here` },
      { name: 'Gone', protocol: 'escl', url: `http://127.0.0.1:${await freePort()}/eSCL` },
    ]);
    const run = await runDoctorCommand({ ...NO_MULTICAST, ...folders(), SCAN2MQTT_MQTT_URL: open.url, SCAN2MQTT_DEVICES: devices });
    expect(run.code).toBe(1);
    const lines = areaLines(run.stdout, 'devices').join('\n');
    expect(lines).toMatch(/PROBLEM Wrong path .*: the device answers, but not as escl expects: ScannerCapabilities: not found \(HTTP 404\)/);
    expect(lines).toContain('fix: check the path of the URL (usually ends in /eSCL)');
    expect(lines).toMatch(/PROBLEM Gone .*: cannot reach the device: .*ECONNREFUSED/);
    expect(lines).toContain('fix: check that the device is switched on');
  });

  it('garbage from the broker port is no MQTT login', async () => {
    const { createServer } = await import('node:net');
    const server = createServer((socket) => {
      socket.on('error', () => undefined); // the doctor hangs up on it
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const port = (server.address() as { port: number }).port;
    try {
      const run = await runDoctorCommand({ ...NO_MULTICAST, ...folders(), SCAN2MQTT_MQTT_URL: `mqtt://127.0.0.1:${port}` });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/PROBLEM .*MQTT login failed/);
    } finally {
      server.close();
    }
  });
});

describe.skipIf(!SANED_AVAILABLE)('scan2mqtt doctor with a real saned', () => {
  let saned: SanedHarness;
  beforeAll(async () => {
    saned = await startSaned();
  }, 30_000);
  afterAll(async () => saned?.stop());

  it('lists the devices of a sane:// host and reads each one', async () => {
    const devices = JSON.stringify([{ name: 'Lab', protocol: 'sane', url: `sane://127.0.0.1:${saned.port}` }]);
    const run = await runDoctorCommand({ ...NO_MULTICAST, ...folders(), SCAN2MQTT_MQTT_URL: open.url, SCAN2MQTT_DEVICES: devices });
    const lines = areaLines(run.stdout, 'devices').join('\n');
    expect(lines).toMatch(/ok +.*sane:\/\/127\.0\.0\.1:\d+\/test:0.*sane answers/);
    expect(run.code).toBe(0);
  });

  it('checks a host of discovery.saned_hosts the same way, and says when a host lists nothing', async () => {
    const { freePort: free } = await import('../helpers/mosquitto.js');
    const hosts = `sane://127.0.0.1:${saned.port},sane://127.0.0.1:${await free()}`;
    const run = await runDoctorCommand({ ...NO_MULTICAST, ...folders(), SCAN2MQTT_MQTT_URL: open.url, SCAN2MQTT_DISCOVERY_SANED_HOSTS: hosts });
    const lines = areaLines(run.stdout, 'devices').join('\n');
    expect(lines).toMatch(/ok +.*sane:\/\/127\.0\.0\.1:\d+\/test:0.*sane answers/);
    expect(lines).toMatch(/PROBLEM 127\.0\.0\.1 \(sane:\/\/127\.0\.0\.1:\d+\): the host lists no sane device/);
    expect(run.code).toBe(1);
  }, 60_000);
});

describe.skipIf(!CAN_MOUNT)('scan2mqtt doctor and folders on real file systems (needs root)', () => {
  let readOnly: string;
  let tiny: Tmpfs;
  beforeAll(async () => {
    readOnly = await mkdtemp(join(tmpdir(), 'scan2mqtt-ro-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', readOnly]);
    tiny = await mountTmpfs(4);
  });
  afterAll(async () => {
    execFileSync('umount', [readOnly]);
    await rm(readOnly, { recursive: true, force: true });
    await tiny?.unmount();
  });

  it('says a read-only storage folder cannot be written, even for root', async () => {
    const run = await runDoctorCommand({ ...NO_MULTICAST, SCAN2MQTT_DATA_FOLDER: data, SCAN2MQTT_STORAGE_FOLDER: readOnly, SCAN2MQTT_STORAGE_MIN_FREE_MB: '0', SCAN2MQTT_MQTT_URL: open.url });
    expect(run.code).toBe(1);
    expect(areaLines(run.stdout, 'folders')).toContain(`PROBLEM storage folder ${readOnly}: is on a read-only file system`);
  });

  it('says a folder that is a file, or whose parent cannot be written, is unusable', async () => {
    const file = join(data, 'a-file');
    await writeFile(file, 'x');
    const run = await runDoctorCommand({ ...NO_MULTICAST, SCAN2MQTT_DATA_FOLDER: file, SCAN2MQTT_STORAGE_FOLDER: join(readOnly, 'scans'), SCAN2MQTT_STORAGE_MIN_FREE_MB: '0', SCAN2MQTT_MQTT_URL: open.url });
    expect(run.code).toBe(1);
    const lines = areaLines(run.stdout, 'folders').join('\n');
    expect(lines).toContain(`data folder ${file}: is a file, not a folder`);
    expect(lines).toContain(`storage folder ${join(readOnly, 'scans')}: does not exist, and ${readOnly}, where it would be made, is on a read-only file system`);
  });

  it('says how little space is left below the default floor (storage.min_free_mb 100)', async () => {
    const run = await runDoctorCommand({ ...NO_MULTICAST, SCAN2MQTT_DATA_FOLDER: tiny.path, SCAN2MQTT_STORAGE_FOLDER: join(tiny.path, 'scans'), SCAN2MQTT_MQTT_URL: open.url });
    expect(run.code).toBe(1);
    expect(areaLines(run.stdout, 'folders').join('\n')).toMatch(/PROBLEM data folder .*: only 4\.0 MB free; scans are refused below 100 MB/);
  });
});
