/**
 * The one MQTT broker connection (mqtt.js v5): connect with a last will, reconnect
 * forever in the background, re-subscribe after every reconnect, dispatch incoming
 * messages to handlers by local wildcard matching.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { redactUrlPassword } from '../core/redact.js';
import { ScanError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { isValidFilter, topicMatches } from './topic-match.js';

/** The `mqtt` config slice. TLS files are paths, read at start. */
export interface MqttSettings {
  url: string;
  username?: string;
  password?: string;
  client_id?: string;
  /** CA certificate file (PEM) for `mqtts://` brokers with a private CA. */
  ca?: string;
  /** Client certificate file (PEM) for brokers that want client certificates. */
  cert?: string;
  /** Client key file (PEM). */
  key?: string;
  reject_unauthorized?: boolean;
  /** Seconds between pings. */
  keepalive?: number;
}

/** The message the broker publishes for us when we vanish without a DISCONNECT. */
export interface LastWill {
  topic: string;
  payload: string | Buffer;
  retain: boolean;
  qos: 0 | 1;
}

/** Receives one message on a subscribed filter. */
export type MessageHandler = (topic: string, payload: Buffer) => void | Promise<void>;

/** Collaborators and options of a connection. */
export interface MqttConnectionDeps {
  config: MqttSettings;
  logger: Logger;
  /** Overrides `config.client_id`; a random `scan2mqtt_<hex>` id is used when neither is set. */
  clientId?: string;
  will?: LastWill;
  /** First delay between reconnect attempts, doubled after each failed one; 0 never reconnects (only for tests of the last will). */
  reconnectPeriodMs?: number;
  /** Longest delay between reconnect attempts. */
  maxReconnectPeriodMs?: number;
}

/** First wait before reconnecting, unless told otherwise; each failed attempt doubles it. */
export const DEFAULT_RECONNECT_PERIOD_MS = 1_000;
/** The wait between attempts grows to this and stays there: a broker that comes up is found within it. */
export const MAX_RECONNECT_PERIOD_MS = 30_000;
/** A CONNACK later than this counts as a failed attempt. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** Seconds between keepalive pings when the config sets none. */
export const DEFAULT_KEEPALIVE_S = 60;
/** CONNACK codes meaning the broker refused our credentials (3.1.1: 4, 5; v5: 134, 135). */
const AUTH_REFUSED_CODES = new Set([4, 5, 134, 135]);

/** The wait after one more failed attempt: double the last, within [minMs, maxMs]. */
export function nextReconnectDelay(lastMs: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.max(minMs, lastMs * 2));
}

interface Subscription {
  filter: string;
  handler: MessageHandler;
}

/** A long-lived broker connection: `start()` once, `stop()` once. */
export class MqttConnection {
  private readonly deps: MqttConnectionDeps;
  private readonly log: Logger;
  private client: MqttClient | undefined;
  private readonly subscriptions: Subscription[] = [];
  private readonly connectListeners = new Set<(isReconnect: boolean) => void>();
  private connectCount = 0;
  /** Set once an outage's first error, and its "waiting" line, were logged; reset on connect. */
  private outageLogged = { error: false, waiting: false };
  private abandonStart: ((error: Error) => void) | undefined;
  private stopped = false;

  constructor(deps: MqttConnectionDeps) {
    this.deps = deps;
    this.log = deps.logger.child({ component: 'mqtt' });
  }

  /** True while the broker has accepted us and the socket is up. */
  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /**
   * Connects; resolves on the first CONNACK. A broker that is down only delays this
   * (mqtt.js keeps retrying); refused credentials or unreadable TLS files reject it.
   */
  async start(): Promise<void> {
    if (this.client) throw new ScanError('Internal', 'MQTT connection already started');
    const options = await this.clientOptions();
    if (this.stopped) throw new ScanError('Cancelled', 'MQTT connection stopped before it started');
    const client = connect(this.deps.config.url, options);
    this.client = client;
    this.attachLogging(client);
    this.attachBackoff(client);
    client.on('connect', () => this.onBrokerConnect());
    client.on('message', (topic, payload) => this.dispatch(topic, payload));
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        client.off('connect', onConnect);
        client.off('error', onError);
        this.abandonStart = undefined;
        if (error) reject(error);
        else resolve();
      };
      const onConnect = () => settle();
      const onError = (error: Error & { code?: unknown }) => {
        if (typeof error.code !== 'number' || !AUTH_REFUSED_CODES.has(error.code)) return;
        client.end(true);
        settle(new ScanError('AccessDenied', `MQTT broker ${this.deps.config.url} refused the login: ${error.message}`));
      };
      this.abandonStart = settle;
      client.on('connect', onConnect);
      client.on('error', onError);
    });
  }

  /** Disconnects cleanly (so the broker does not send the last will). Publishes nothing itself. */
  async stop(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    if (!client) return;
    this.abandonStart?.(new ScanError('Cancelled', 'MQTT connection stopped before the broker answered'));
    // force when offline: a graceful end would wait for a connection that may never come back.
    await client.endAsync(!client.connected);
    this.connectListeners.clear();
  }

  /** Publishes; objects are sent as JSON. Rejects (DeviceOffline) while the broker is unreachable, rather than queueing without bound. */
  async publish(topic: string, payload: string | Buffer | object, opts: { retain?: boolean; qos?: 0 | 1 } = {}): Promise<void> {
    const client = this.client;
    if (!client?.connected) throw new ScanError('DeviceOffline', `MQTT broker not connected; dropped message on ${topic}`);
    const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
    await client.publishAsync(topic, body, { retain: opts.retain ?? false, qos: opts.qos ?? 0 });
  }

  /** Registers a handler for `filter`; (re-)subscribed at the broker on every connect. */
  async subscribe(filter: string, handler: MessageHandler): Promise<void> {
    if (!isValidFilter(filter)) throw new ScanError('InvalidRequest', `invalid MQTT topic filter: ${filter}`);
    const known = this.subscriptions.some((s) => s.filter === filter);
    this.subscriptions.push({ filter, handler });
    if (!known && this.client?.connected) await this.client.subscribeAsync(filter, { qos: 1 });
  }

  /** Removes `handler` (or every handler) of `filter`; unsubscribes at the broker once none is left. */
  async unsubscribe(filter: string, handler?: MessageHandler): Promise<void> {
    for (let i = this.subscriptions.length - 1; i >= 0; i--) {
      const entry = this.subscriptions[i];
      if (entry?.filter === filter && (handler === undefined || entry.handler === handler)) this.subscriptions.splice(i, 1);
    }
    const stillWanted = this.subscriptions.some((s) => s.filter === filter);
    if (!stillWanted && this.client?.connected) await this.client.unsubscribeAsync(filter);
  }

  /** Calls `cb` after every CONNACK (`isReconnect` false for the first); returns a function that removes it. */
  onConnect(cb: (isReconnect: boolean) => void): () => void {
    this.connectListeners.add(cb);
    return () => this.connectListeners.delete(cb);
  }

  private async clientOptions(): Promise<IClientOptions> {
    const { config, will } = this.deps;
    const options: IClientOptions = {
      clientId: this.deps.clientId ?? config.client_id ?? `scan2mqtt_${randomBytes(4).toString('hex')}`,
      keepalive: config.keepalive ?? DEFAULT_KEEPALIVE_S,
      reconnectPeriod: this.deps.reconnectPeriodMs ?? DEFAULT_RECONNECT_PERIOD_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      // We re-subscribe ourselves on each connect: a restarted broker has forgotten the session.
      resubscribe: false,
      clean: true,
      // A refused CONNACK while running (e.g. broker restarting) is retried like a dropped socket.
      reconnectOnConnackError: true,
      queueQoSZero: false,
    };
    if (config.username !== undefined) options.username = config.username;
    if (config.password !== undefined) options.password = config.password;
    if (config.reject_unauthorized !== undefined) options.rejectUnauthorized = config.reject_unauthorized;
    if (config.ca) options.ca = await readTlsFile('ca', config.ca);
    if (config.cert) options.cert = await readTlsFile('cert', config.cert);
    if (config.key) options.key = await readTlsFile('key', config.key);
    if (will) options.will = { topic: will.topic, payload: Buffer.from(will.payload), retain: will.retain, qos: will.qos };
    return options;
  }

  /**
   * mqtt.js retries at a fixed period, read again before each wait: grow it after each attempt
   * (emitted just before the attempt; its failure waits the new period) and reset it on success.
   */
  private attachBackoff(client: MqttClient): void {
    const minMs = this.deps.reconnectPeriodMs ?? DEFAULT_RECONNECT_PERIOD_MS;
    const maxMs = Math.max(minMs, this.deps.maxReconnectPeriodMs ?? MAX_RECONNECT_PERIOD_MS);
    if (minMs <= 0) return;
    client.on('reconnect', () => {
      client.options.reconnectPeriod = nextReconnectDelay(client.options.reconnectPeriod ?? minMs, minMs, maxMs);
      this.log.debug({ url: this.deps.config.url, next_retry_ms: client.options.reconnectPeriod }, 'MQTT reconnecting');
    });
    client.on('connect', () => {
      client.options.reconnectPeriod = minMs;
    });
  }

  private attachLogging(client: MqttClient): void {
    const url = this.deps.config.url;
    client.on('error', (error) => {
      // ECONNREFUSED repeats every reconnect period during an outage; say it once.
      if (!this.outageLogged.error) this.log.warn({ err: error.message, url }, 'MQTT connection error');
      else this.log.debug({ err: error.message }, 'MQTT connection error');
      this.outageLogged.error = true;
    });
    client.on('offline', () => {
      const maxS = Math.round((this.deps.maxReconnectPeriodMs ?? MAX_RECONNECT_PERIOD_MS) / 1000);
      if (!this.outageLogged.waiting) this.log.warn({ url }, `Waiting for the MQTT broker at ${redactUrlPassword(url)}: not reachable; retrying in the background, at least every ${maxS} s`);
      this.outageLogged.waiting = true;
    });
  }

  private onBrokerConnect(): void {
    const isReconnect = this.connectCount > 0;
    this.connectCount++;
    this.outageLogged = { error: false, waiting: false };
    sendWithoutDelay(this.client);
    this.log.info({ url: this.deps.config.url, reconnect: isReconnect }, 'MQTT connected');
    const filters = [...new Set(this.subscriptions.map((s) => s.filter))];
    if (filters.length > 0 && this.client) {
      this.client.subscribeAsync(filters, { qos: 1 }).catch((error: unknown) => {
        this.log.warn({ err: String(error), filters }, 'MQTT re-subscribe failed');
      });
    }
    for (const listener of [...this.connectListeners]) {
      try {
        listener(isReconnect);
      } catch (error) {
        this.log.error({ err: error }, 'MQTT connect listener failed');
      }
    }
  }

  /** Handler failures are contained here: one bad message never reaches mqtt.js's event loop. */
  private dispatch(topic: string, payload: Buffer): void {
    for (const { filter, handler } of [...this.subscriptions]) {
      if (!topicMatches(filter, topic)) continue;
      try {
        const result = handler(topic, payload);
        if (result instanceof Promise) {
          result.catch((error: unknown) => this.log.error({ err: error, topic }, 'MQTT message handler failed'));
        }
      } catch (error) {
        this.log.error({ err: error, topic }, 'MQTT message handler failed');
      }
    }
  }
}

/** Reads one TLS file, naming the config key when it cannot be read. */
async function readTlsFile(key: 'ca' | 'cert' | 'key', path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ScanError('InvalidRequest', `mqtt.${key}: cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * Turns Nagle's algorithm off on the broker socket (TCP or TLS; a WebSocket has none to reach). The
 * gateway sends bursts of small packets (a job event, the state, availability): with Nagle on, each
 * one after the first waits for the broker's delayed ACK, which is 40 ms on Linux, so a command's
 * first answer and a job's end reached the broker 40 ms late.
 */
function sendWithoutDelay(client: MqttClient | undefined): void {
  const stream = client?.stream as { setNoDelay?: (noDelay: boolean) => unknown } | undefined;
  stream?.setNoDelay?.(true);
}
