/**
 * The add-on's entry point end to end, as the Supervisor starts it: `/data/options.json`
 * written as Home Assistant writes it (with no broker named), a fake Supervisor (a real HTTP
 * server) handing out the credentials of a real password-protected Mosquitto, and the eSCL
 * simulator listed by hand in the options. The entry point must start the real gateway on that
 * broker, with state in /data and documents in /share/scan2mqtt (under a temp root here), and
 * pass SIGTERM on for a clean stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { mqttServiceAnswer, startFakeSupervisor, type FakeSupervisor } from '../addon/fake-supervisor.js';

const REPO = resolve(import.meta.dirname, '../..');
const TSX = join(REPO, 'node_modules/.bin/tsx');
const TOKEN = 'addon-token-5678';
const ONLINE_WAIT_MS = 30_000;

let broker: MosquittoBroker;
let supervisor: FakeSupervisor;
let sim: EsclSimulator;
let root: string;
let entry: ChildProcess;
let probe: MqttProbe;
let output = '';
let exited: Promise<number | null>;

beforeAll(async () => {
  broker = await startMosquitto({ auth: { username: 'addons', password: 'from-the-supervisor' } });
  supervisor = await startFakeSupervisor(TOKEN, mqttServiceAnswer({ host: '127.0.0.1', port: broker.port, ssl: false, protocol: '3.1.1', username: 'addons', password: 'from-the-supervisor' }));
  sim = new EsclSimulator({});
  await sim.start();
  root = await mkdtemp(join(tmpdir(), 'scan2mqtt-addon-'));
  await mkdir(join(root, 'data'));
  // As the Supervisor writes it: the defaults of config.yaml's options, plus what the user added.
  const options = {
    base_topic: 'scan2mqtt', discovery_prefix: 'homeassistant', discovery_mdns: false, discovery_wsd: false, escl_server: false, log_level: 'debug',
    devices: [{ name: 'Office', protocol: 'escl', url: sim.baseUrl, friendly_name: 'office' }],
  };
  await writeFile(join(root, 'data', 'options.json'), JSON.stringify(options));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCAN2MQTT_')));
  entry = spawn(TSX, ['src/addon/main.ts'], {
    cwd: REPO,
    env: { ...env, ADDON_ROOT: root, SUPERVISOR_TOKEN: TOKEN, SUPERVISOR_API: supervisor.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  entry.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  entry.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  exited = new Promise((done) => entry.on('exit', (code) => done(code)));
  probe = await connectProbe(broker.url, { username: 'addons', password: 'from-the-supervisor' });
}, 60_000);

afterAll(async () => {
  await probe?.close();
  if (entry?.exitCode === null) entry.kill('SIGKILL');
  await Promise.all([broker?.stop(), supervisor?.stop(), sim?.stop()]);
  if (root) await rm(root, { recursive: true, force: true });
});

describe('the add-on entry point', () => {
  it('starts the gateway on the Supervisor\'s broker with the options\' scanner', async () => {
    await probe.waitFor('scan2mqtt/bridge/state', (m) => m.text().includes('"online"'), ONLINE_WAIT_MS).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${output}`);
    });
    await probe.waitFor('scan2mqtt/office/availability', (m) => m.text() === 'online', ONLINE_WAIT_MS);
    expect(supervisor.authorizations).toEqual([`Bearer ${TOKEN}`]);
    expect(output).toContain(`using the Supervisor's MQTT broker at 127.0.0.1:${broker.port}`);
  });

  it('keeps state under /data and documents under /share/scan2mqtt', async () => {
    const discovery = await probe.waitFor('homeassistant/device/scan2mqtt_office/config', () => true, ONLINE_WAIT_MS);
    expect(discovery.text()).toContain('office');
    expect(existsSync(join(root, 'share', 'scan2mqtt'))).toBe(true);
    expect(existsSync(join(root, 'data', 'capabilities.json')) || existsSync(join(root, 'data', 'health.json'))).toBe(true);
  });

  it('passes SIGTERM on: the gateway publishes offline and both exit 0', async () => {
    const offline = probe.waitFor('scan2mqtt/bridge/state', (m) => m.text().includes('"offline"'), ONLINE_WAIT_MS);
    entry.kill('SIGTERM');
    await offline;
    expect(await exited).toBe(0);
  });
});

describe('scan2mqtt-addon doctor', () => {
  it('runs the doctor with the add-on\'s mapped settings (the Supervisor\'s broker and login)', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCAN2MQTT_')));
    const { execFile } = await import('node:child_process');
    const out = await new Promise<{ code: number; stdout: string }>((done) =>
      execFile(TSX, ['src/addon/main.ts', 'doctor'], { cwd: REPO, env: { ...env, ADDON_ROOT: root, SUPERVISOR_TOKEN: TOKEN, SUPERVISOR_API: supervisor.url }, timeout: 60_000 }, (error, stdout) =>
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout }),
      ),
    );
    expect(out.stdout).toContain(`ok      mqtt://127.0.0.1:${broker.port}: logged in as "addons"`);
    expect(out.stdout).toMatch(/ok +Office .*escl answers/);
    expect(out.stdout).toContain('All is well.');
    expect(out.code).toBe(0);
  });
});
