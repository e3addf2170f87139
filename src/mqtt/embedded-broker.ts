/**
 * Zero-config start (CONTRACT.md "Running"): when the broker is the built-in default, a plain
 * `mqtt://` address on this machine, and nothing listens there, run an aedes broker on it.
 * It has no login, so it listens on loopback only and never stands in for a broker the
 * user named: that one is waited for, or the real broker would find its port taken.
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import type { Aedes } from 'aedes';
import type { Logger } from '../core/logger.js';

/** The embedded broker, when one was started. */
export interface EmbeddedBroker {
  /** The port it listens on. */
  readonly port: number;
  /** The (loopback) address it listens on. */
  readonly address: string;
  stop(): Promise<void>;
}

/** Options beyond the URL. */
export interface EnsureBrokerOptions {
  /** Base topic, only for the "how to watch" hint in the log. */
  baseTopic?: string;
}

/** How long the "is anything listening" probe waits before deciding nothing is. */
export const LISTEN_PROBE_TIMEOUT_MS = 1_000;
/** The IANA MQTT port, used when the URL names none. */
export const MQTT_DEFAULT_PORT = 1883;
const LOOPBACK_HOSTS = new Map([
  ['localhost', '127.0.0.1'],
  ['127.0.0.1', '127.0.0.1'],
  ['[::1]', '::1'],
]);

/** What `embeddedBrokerPolicy` decides on. */
export interface EmbeddedBrokerPolicyInput {
  mode: 'auto' | 'never';
  /** True when the user set `mqtt.url` (file or environment), even to the default value. */
  urlGiven: boolean;
  username: string;
}

/** Whether the embedded broker may be started, and why not when it may not. */
export type EmbeddedBrokerPolicy = { allowed: true } | { allowed: false; reason: string };

/** `auto` stands in only for the built-in default broker without a login; anything else is a real broker to wait for. */
export function embeddedBrokerPolicy({ mode, urlGiven, username }: EmbeddedBrokerPolicyInput): EmbeddedBrokerPolicy {
  if (mode === 'never') return { allowed: false, reason: 'mqtt.embedded_broker is never' };
  if (urlGiven) return { allowed: false, reason: 'mqtt.url was set, so that broker is waited for' };
  if (username !== '') return { allowed: false, reason: 'mqtt.username was set, so a broker with logins is waited for' };
  return { allowed: true };
}

/** Starts an embedded broker on `url` if it is a local plain-MQTT address nobody serves; otherwise null. */
export async function ensureBroker(url: string, logger: Logger, opts: EnsureBrokerOptions = {}): Promise<EmbeddedBroker | null> {
  const log = logger.child({ component: 'embedded-broker' });
  const target = localMqttTarget(url);
  if (!target) return null;
  if (await somethingListens(target.probeHost, target.port)) {
    log.debug({ url }, 'an MQTT broker already listens; using it');
    return null;
  }
  // Loaded only when needed: most installs use a real broker, and aedes costs ~13 MiB.
  const { Aedes: AedesBroker } = await import('aedes');
  const broker = await AedesBroker.createBroker();
  const server = createServer((socket) => broker.handle(socket));
  const sockets = trackSockets(server);
  try {
    await listen(server, target.bindHost, target.port);
  } catch (error) {
    // Lost a race with another process taking the port: use whatever now listens there.
    await closeBroker(broker);
    log.warn({ url, err: (error as Error).message }, 'could not start the embedded MQTT broker');
    return null;
  }
  const watch = `mosquitto_sub -h ${target.urlHost.replace(/^\[|\]$/g, '')} -p ${target.port} -t '${opts.baseTopic ?? 'scan2mqtt'}/#' -v`;
  log.warn({ url }, `No MQTT broker was listening on ${target.urlHost}:${target.port}; started an embedded broker there. Watch it with: ${watch}`);
  return {
    port: target.port,
    address: listeningAddress(server) ?? target.bindHost,
    async stop() {
      await closeBroker(broker);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface LocalTarget {
  urlHost: string;
  bindHost: string;
  probeHost: string;
  port: number;
}

/** The loopback host and port of a plain `mqtt://` URL, or undefined for anything else. */
export function localMqttTarget(url: string): LocalTarget | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const bindHost = LOOPBACK_HOSTS.get(parsed.hostname.toLowerCase());
  if ((parsed.protocol !== 'mqtt:' && parsed.protocol !== 'tcp:') || !bindHost) return undefined;
  const port = parsed.port === '' ? MQTT_DEFAULT_PORT : Number(parsed.port);
  // `localhost` may resolve to ::1 or 127.0.0.1; probing the name lets Node try both.
  return { urlHost: parsed.hostname, bindHost, probeHost: parsed.hostname.replace(/^\[|\]$/g, ''), port };
}

/** A TCP connect test: true when the connection is accepted. */
function somethingListens(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(LISTEN_PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function listeningAddress(server: Server): string | undefined {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.address : undefined;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Open sockets, so stop() does not wait for idle clients to leave. */
function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

function closeBroker(broker: Aedes): Promise<void> {
  return new Promise((resolve) => broker.close(() => resolve()));
}
