/**
 * Runs the real gateway as a child process (`tsx src/main.ts`), configured through
 * environment variables exactly as a user would, with its data in a temp folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startMosquitto, type MosquittoBroker } from '../helpers/mosquitto.js';
import { connectProbe, type MqttProbe } from '../helpers/mqtt-probe.js';

const REPO = resolve(import.meta.dirname, '../..');
/**
 * Node with tsx's loader, not the tsx command: that one relays a signal to its child and, when the
 * child does not confirm within 30 ms (its main thread busy, e.g. loading sharp), kills it, so a
 * stop landing at such a moment ended the gateway with 143 instead of its clean exit.
 */
const NODE_WITH_TSX = [process.execPath, '--import', 'tsx'];
/** How long a started gateway may take to report its scanner online (a limit, not an assertion). */
const ONLINE_WAIT_MS = 30_000;

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
    // Every test gateway would take the frontend's default port 8088; a test of the frontend turns it on
    // (with a free port, or unset to test the default).
    SCAN2MQTT_FRONTEND_ENABLED: 'false',
    // WS-Discovery multicasts on every interface: only inside a test network the test made.
    ...(placement.netns ? {} : { SCAN2MQTT_DISCOVERY_WSD: 'false' }),
    ...env,
  };
  const [command, ...args] = placement.netns ? ['ip', 'netns', 'exec', placement.netns, ...NODE_WITH_TSX, 'src/main.ts'] : [...NODE_WITH_TSX, 'src/main.ts'];
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

/** Waits until the gateway reports `scanner` online; with `restarted`, first until a new gateway says it is up (the old one left `offline` retained). */
export async function waitForScanner(probe: MqttProbe, scanner: string, { restarted = false } = {}): Promise<void> {
  if (restarted) await probe.waitFor('scan2mqtt/bridge/state', (m) => m.text().includes('"online"'), ONLINE_WAIT_MS);
  await probe.waitFor(`scan2mqtt/${scanner}/availability`, (m) => m.text() === 'online', ONLINE_WAIT_MS);
}

/** A real Mosquitto, the gateway process on it, and a probe on the same broker. */
export interface GatewayOnBroker {
  readonly broker: MosquittoBroker;
  readonly probe: MqttProbe;
  /** The running gateway (a new one after `startGatewayAgain`). */
  readonly gateway: GatewayProcess;
  /** Starts a new gateway with the same settings (after the test stopped this one); resolves once `scanner` is online again. */
  startGatewayAgain(): Promise<GatewayProcess>;
  /** Closes the probe, stops the gateway (deleting its data folder) and the broker. */
  stop(): Promise<void>;
}

/**
 * Starts a Mosquitto, the gateway on it (mDNS discovery off, `env` added) and a probe, and
 * resolves once the gateway reports `scanner` online. On failure whatever started is stopped.
 */
export async function startGatewayOnBroker(scanner: string, env: Record<string, string | undefined>): Promise<GatewayOnBroker> {
  const broker = await startMosquitto();
  const settings = { SCAN2MQTT_MQTT_URL: broker.url, SCAN2MQTT_DISCOVERY_MDNS: 'false', ...env };
  let gateway: GatewayProcess | undefined;
  let probe: MqttProbe | undefined;
  const stop = async () => {
    await probe?.close();
    await gateway?.stop();
    await broker.stop();
  };
  try {
    gateway = await startGateway(settings);
    probe = await connectProbe(broker.url);
    await waitForScanner(probe, scanner);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  const connected = probe;
  return {
    broker,
    probe: connected,
    get gateway() {
      return gateway!;
    },
    async startGatewayAgain() {
      gateway = await startGateway(settings);
      await waitForScanner(connected, scanner, { restarted: true });
      return gateway;
    },
    stop,
  };
}

/** Every file below `folder` (none when it does not exist), e.g. what the gateway stored. */
export async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
