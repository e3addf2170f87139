/**
 * Runs the real gateway as a child process (`tsx src/main.ts`), configured through
 * environment variables exactly as a user would, with its data in a temp folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
const TSX = join(REPO, 'node_modules/.bin/tsx');

/** A running gateway process. */
export interface GatewayProcess {
  readonly dataFolder: string;
  readonly storageFolder: string;
  readonly output: () => string;
  /** Sends SIGTERM and resolves with the exit code; the data folder stays for the test to read. */
  terminate(): Promise<number | null>;
  /** Sends SIGTERM, resolves with the exit code, and deletes the data folder. */
  stop(): Promise<number | null>;
  readonly child: ChildProcess;
}

/** Where the gateway runs. */
export interface GatewayPlacement {
  /** A network namespace to run it in (`ip netns exec`), as if on another host. */
  netns?: string;
}

/** Starts the gateway with `env` added to a clean SCAN2MQTT environment; an `undefined` value leaves that variable unset. */
export async function startGateway(env: Record<string, string | undefined>, placement: GatewayPlacement = {}): Promise<GatewayProcess> {
  const dataFolder = await mkdtemp(join(tmpdir(), 'scan2mqtt-it-'));
  const storageFolder = join(dataFolder, 'scans');
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCAN2MQTT_')));
  const merged: Record<string, string | undefined> = {
    ...cleanEnv,
    SCAN2MQTT_DATA_FOLDER: dataFolder,
    SCAN2MQTT_STORAGE_FOLDER: storageFolder,
    SCAN2MQTT_MQTT_EMBEDDED_BROKER: 'never',
    SCAN2MQTT_LOG_LEVEL: 'debug',
    SCAN2MQTT_LOG_PRETTY: 'false',
    // WS-Discovery multicasts on every interface: only inside a test network the test made.
    ...(placement.netns ? {} : { SCAN2MQTT_DISCOVERY_WSD: 'false' }),
    ...env,
  };
  const [command, args] = placement.netns ? ['ip', ['netns', 'exec', placement.netns, TSX, 'src/main.ts']] : [TSX, ['src/main.ts']];
  const child = spawn(command, args, {
    cwd: REPO,
    env: Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return {
    dataFolder,
    storageFolder,
    child,
    output: () => log,
    async terminate() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      await rm(dataFolder, { recursive: true, force: true });
      return code;
    },
  };
}
