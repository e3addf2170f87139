/**
 * The command line as a user meets it: --version, --help, a bad configuration that stops
 * the start naming the key, and --healthcheck (which broker is used: broker-choice.test.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const TSX = join(REPO, 'node_modules/.bin/tsx');
const folders: string[] = [];

afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

/** Runs `tsx src/main.ts args` with a clean SCAN2MQTT environment plus `env`. */
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCAN2MQTT_')));
  return new Promise((done) => {
    execFile(TSX, ['src/main.ts', ...args], { cwd: REPO, env: { ...clean, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('command line', () => {
  it('prints its version', async () => {
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('lists every setting with its environment variable in --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const name of ['SCAN2MQTT_MQTT_URL', 'SCAN2MQTT_MQTT_BASE_TOPIC', 'SCAN2MQTT_DEVICES', 'SCAN2MQTT_STORAGE_FOLDER', 'SCAN2MQTT_DATA_FOLDER']) {
      expect(stdout).toContain(name);
    }
  });

  it('refuses a bad value, naming the key, and exits 2 without starting', async () => {
    const { code, stderr } = await run([], { SCAN2MQTT_MQTT_BASE_TOPIC: 'scan/#' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/mqtt\.base_topic/);
  });

  it('refuses a bad SCAN2MQTT_DEVICES entry, naming the entry and the field', async () => {
    const { code, stderr } = await run([], { SCAN2MQTT_DEVICES: '[{"name":"x","protocol":"escl","url":"ftp://nope"}]' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/devices\[0\]\.url/);
  });

  it('--healthcheck fails without a fresh heartbeat', async () => {
    const data = await mkdtemp(join(tmpdir(), 'scan2mqtt-health-'));
    folders.push(data);
    const { code, stderr } = await run(['--healthcheck'], { SCAN2MQTT_DATA_FOLDER: data });
    expect(code).toBe(1);
    expect(stderr).toMatch(/unhealthy/);
  });
});
