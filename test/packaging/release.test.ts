/**
 * The release as a user installs it: `npm pack` (which builds first), `npm install -g` of the
 * tarball into a temp prefix, and the installed `scan2mqtt` command: --version, --help, and a
 * doctor run against a real Mosquitto. The Debian unit is verified with `systemd-analyze
 * verify`, its ExecStart pointed at that installed command (the one change, asserted).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';

const REPO = resolve(import.meta.dirname, '../..');
const UNIT = join(REPO, 'packaging/debian/scan2mqtt.service');
/** Limits for packing, installing and each run (not assertions): an install may fetch from the registry. */
const PACK_LIMIT_MS = 180_000;
const RUN_LIMIT_MS = 60_000;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}
function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<Outcome> {
  return new Promise((done) => {
    execFile(command, args, { cwd: options.cwd ?? REPO, env: options.env ?? process.env, timeout: options.timeout ?? RUN_LIMIT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCAN2MQTT_') && !k.startsWith('npm_')));

describe('the npm release', () => {
  let dir: string;
  let prefix: string;
  let packed: { filename: string; files: { path: string }[] };
  let version: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scan2mqtt-release-'));
    prefix = join(dir, 'prefix');
    version = (JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
    const pack = await run('npm', ['pack', '--json', '--pack-destination', dir], { timeout: PACK_LIMIT_MS, env: cleanEnv() });
    if (pack.code !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
    // npm prints the prepack script's output before the JSON.
    packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[\n'))) as (typeof packed)[])[0]!;
    const install = await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed.filename)], { timeout: PACK_LIMIT_MS, env: cleanEnv() });
    if (install.code !== 0) throw new Error(`npm install -g failed: ${install.stderr}`);
  }, 2 * PACK_LIMIT_MS);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('packs the built gateway, the add-on entry, the Debian unit, README and CHANGELOG, and no sources or tests', () => {
    const paths = packed.files.map((f) => f.path);
    for (const path of ['package.json', 'README.md', 'CHANGELOG.md', 'dist/main.js', 'dist/addon/main.js', 'dist/doctor/doctor.js', 'packaging/debian/scan2mqtt.service']) expect(paths).toContain(path);
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/') || p.startsWith('node_modules/'))).toEqual([]);
    expect(packed.filename).toBe(`scan2mqtt-${version}.tgz`);
  });

  it('installs a scan2mqtt command that prints the semantic version', async () => {
    const out = await run(join(prefix, 'bin', 'scan2mqtt'), ['--version'], { env: cleanEnv() });
    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toBe(version);
    expect(version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
  });

  it('--help names the commands and the settings', async () => {
    const out = await run(join(prefix, 'bin', 'scan2mqtt'), ['--help'], { env: cleanEnv() });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('scan2mqtt doctor [--config PATH]');
    expect(out.stdout).toContain('SCAN2MQTT_MQTT_URL');
  });

  describe('with a broker', () => {
    let broker: MosquittoBroker;
    beforeAll(async () => {
      broker = await startMosquitto();
    });
    afterAll(async () => broker?.stop());

    it('the installed command runs the doctor', async () => {
      const data = join(dir, 'data');
      const env = { ...cleanEnv(), SCAN2MQTT_MQTT_URL: broker.url, SCAN2MQTT_DATA_FOLDER: data, SCAN2MQTT_STORAGE_FOLDER: join(data, 'scans'), SCAN2MQTT_STORAGE_MIN_FREE_MB: '1', SCAN2MQTT_DISCOVERY_MDNS: 'false', SCAN2MQTT_DISCOVERY_WSD: 'false' };
      const out = await run(join(prefix, 'bin', 'scan2mqtt'), ['doctor'], { env });
      expect(out.stdout).toContain('All is well.');
      expect(out.code).toBe(0);
    });
  });

  it('the Debian unit passes systemd-analyze verify against the installed command', async () => {
    const shipped = await readFile(UNIT, 'utf8');
    const pointed = shipped.replace(/^ExecStart=\/usr\/local\/bin\/scan2mqtt$/m, `ExecStart=${join(prefix, 'bin', 'scan2mqtt')}`);
    expect(pointed).not.toBe(shipped);
    const unit = join(dir, 'scan2mqtt.service');
    await writeFile(unit, pointed);
    const out = await run('systemd-analyze', ['verify', unit]);
    expect(out.stderr + out.stdout).toBe('');
    expect(out.code).toBe(0);
  });
});

describe('the Debian unit', () => {
  it('runs as its own user in group scanner, with a state directory, strict protection, restart on failure and SIGTERM', async () => {
    const unit = await readFile(UNIT, 'utf8');
    const settings = new Map(unit.split('\n').filter((l) => /^\w+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
    expect(settings.get('DynamicUser')).toBe('yes');
    expect(settings.get('User')).toBe('scan2mqtt');
    expect(settings.get('SupplementaryGroups')).toBe('scanner');
    expect(settings.get('StateDirectory')).toBe('scan2mqtt');
    expect(settings.get('ProtectSystem')).toBe('strict');
    expect(settings.get('Restart')).toBe('on-failure');
    expect(settings.get('KillSignal')).toBe('SIGTERM');
    // The storage folder lives in the state directory, the one place ProtectSystem=strict leaves writable.
    expect(unit).toContain('Environment=SCAN2MQTT_STORAGE_FOLDER=/var/lib/scan2mqtt/scans');
    expect(unit).toContain('Environment=SCAN2MQTT_DATA_FOLDER=/var/lib/scan2mqtt');
    // As npm start and the container image set it (libvips threads' malloc arenas).
    expect(unit).toContain('Environment=MALLOC_ARENA_MAX=2');
  });

  it('a unit with a mistake fails the same verification (the check is not vacuous)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scan2mqtt-unit-'));
    try {
      const broken = join(dir, 'broken.service');
      await writeFile(broken, '[Service]\nExecStart=relative/path\nRestart=sometimes\n');
      const out = await run('systemd-analyze', ['verify', broken]);
      expect(out.code).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the container image', () => {
  it('runs the gateway with MALLOC_ARENA_MAX=2 in its runtime stage, as npm start does', async () => {
    const dockerfile = await readFile(join(REPO, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^ENV [^\n]*(?:\\\n[^\n]*)*\bMALLOC_ARENA_MAX=2\b/m);
  });
});
