/**
 * A test-side MQTT client for watching what the gateway publishes.
 *
 *   const probe = await connectProbe(broker.url);
 *   const jobs = await probe.collect('scan2mqtt/+/job');     // subscribed once this resolves
 *   await probe.publish('scan2mqtt/office/scan', '{}');
 *   const done = await jobs.next((m) => m.json<JobEvent>().state === 'done');
 *   expect(await probe.retainedJson('scan2mqtt/bridge/state')).toEqual({ state: 'online' });
 *   await probe.close();
 */
import { randomBytes } from 'node:crypto';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';

/** How long waits last unless a test says otherwise (generous: these are limits, not assertions). */
export const DEFAULT_WAIT_MS = 10_000;

/** One received message. */
export interface ProbeMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
  /** The payload as text. */
  text(): string;
  /** The payload parsed as JSON (throws on invalid JSON). */
  json<T = unknown>(): T;
}

/** Messages arriving on one filter since `collect()` resolved. */
export interface Collector {
  readonly messages: ProbeMessage[];
  /** The first collected message (already arrived or future) matching `predicate`. */
  next(predicate?: (m: ProbeMessage) => boolean, timeoutMs?: number): Promise<ProbeMessage>;
  /** Stops collecting (unsubscribes). */
  stop(): Promise<void>;
}

/** A connected probe. */
export interface MqttProbe {
  readonly client: MqttClient;
  /** Subscribes to `filter` (wildcards allowed) and records everything, retained messages included. */
  collect(filter: string): Promise<Collector>;
  /** Subscribes and resolves with the first message on `filter` matching `predicate`. */
  waitFor(filter: string, predicate?: (m: ProbeMessage) => boolean, timeoutMs?: number): Promise<ProbeMessage>;
  /** The retained payload of `topic` as a fresh subscriber sees it; undefined when none. */
  retained(topic: string, timeoutMs?: number): Promise<Buffer | undefined>;
  /** `retained()` parsed as JSON. */
  retainedJson<T = unknown>(topic: string, timeoutMs?: number): Promise<T | undefined>;
  publish(topic: string, payload: string | Buffer, opts?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
  /** Sends `<base>/bridge/request/<action>` with a fresh `transaction` and resolves with the matching response. */
  bridgeRequest<T = BridgeResponse>(action: string, body?: Record<string, unknown>, opts?: { base?: string; timeoutMs?: number }): Promise<T>;
  close(): Promise<void>;
}

/** A bridge response (CONTRACT.md): `{status, data, error, transaction}`. */
export interface BridgeResponse {
  status: 'ok' | 'error';
  data?: Record<string, unknown> & { [key: string]: unknown };
  error?: string;
  transaction?: unknown;
}

/** Connects a probe to `url` (extra mqtt.js options, e.g. credentials or `ca`, pass through). */
export async function connectProbe(url: string, options: IClientOptions = {}): Promise<MqttProbe> {
  const client = await connectAsync(url, { reconnectPeriod: 0, clientId: uniqueId('probe'), ...options });
  const listeners = new Set<(m: ProbeMessage) => void>();
  client.on('message', (topic, payload, packet) => {
    const message = toMessage(topic, payload, packet.retain);
    for (const listener of [...listeners]) listener(message);
  });
  return {
    client,
    async collect(filter) {
      return collectOn(client, listeners, filter);
    },
    async waitFor(filter, predicate, timeoutMs) {
      const collector = await collectOn(client, listeners, filter);
      try {
        return await collector.next(predicate, timeoutMs);
      } finally {
        await collector.stop();
      }
    },
    retained: (topic, timeoutMs) => readRetained(url, options, topic, timeoutMs),
    async retainedJson<T>(topic: string, timeoutMs?: number) {
      const payload = await readRetained(url, options, topic, timeoutMs);
      return payload === undefined ? undefined : (JSON.parse(payload.toString()) as T);
    },
    async publish(topic, payload, opts = {}) {
      await client.publishAsync(topic, payload, { retain: opts.retain ?? false, qos: opts.qos ?? 1 });
    },
    async bridgeRequest<T>(action: string, body: Record<string, unknown> = {}, opts: { base?: string; timeoutMs?: number } = {}) {
      const base = opts.base ?? 'scan2mqtt';
      const transaction = (body.transaction as string | undefined) ?? uniqueId('t');
      const responses = await collectOn(client, listeners, `${base}/bridge/response/${action}`);
      try {
        await client.publishAsync(`${base}/bridge/request/${action}`, JSON.stringify({ ...body, transaction }), { qos: 1 });
        const response = await responses.next((m) => m.json<{ transaction?: unknown }>().transaction === transaction, opts.timeoutMs);
        return response.json<T>();
      } finally {
        await responses.stop();
      }
    },
    async close() {
      await client.endAsync(true);
    },
  };
}

function toMessage(topic: string, payload: Buffer, retain: boolean): ProbeMessage {
  return { topic, payload, retain, text: () => payload.toString(), json: <T>() => JSON.parse(payload.toString()) as T };
}

function uniqueId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

async function collectOn(client: MqttClient, listeners: Set<(m: ProbeMessage) => void>, filter: string): Promise<Collector> {
  const messages: ProbeMessage[] = [];
  const waiters = new Set<(m: ProbeMessage) => void>();
  const matcher = filterMatcher(filter);
  const listener = (m: ProbeMessage) => {
    if (!matcher(m.topic)) return;
    messages.push(m);
    for (const waiter of [...waiters]) waiter(m);
  };
  listeners.add(listener);
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    messages,
    next(predicate = () => true, timeoutMs = DEFAULT_WAIT_MS) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching message on ${filter} within ${timeoutMs} ms (got ${messages.length})`));
        }, timeoutMs);
        const waiter = (m: ProbeMessage) => {
          if (!predicate(m)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(m);
        };
        waiters.add(waiter);
      });
    },
    async stop() {
      listeners.delete(listener);
      if (client.connected) await client.unsubscribeAsync(filter);
    },
  };
}

/** Kept independent of src/ so the probe checks the gateway rather than sharing its code. */
function filterMatcher(filter: string): (topic: string) => boolean {
  const pattern = filter
    .split('/')
    .map((level) => (level === '+' ? '[^/]*' : level === '#' ? '.*' : level.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/')
    .replace(/\/\.\*$/, '(/.*)?');
  const regex = new RegExp(`^${pattern}$`);
  return (topic) => regex.test(topic);
}

/**
 * A fresh client subscribes to `topic`, then publishes a marker to itself: the broker
 * delivers a subscription's retained message before anything published afterwards,
 * so once the marker arrives we know whether a retained value exists.
 */
async function readRetained(url: string, options: IClientOptions, topic: string, timeoutMs = DEFAULT_WAIT_MS): Promise<Buffer | undefined> {
  const client = await connectAsync(url, { ...options, reconnectPeriod: 0, clientId: uniqueId('retained') });
  const marker = `scan2mqtt-probe/${uniqueId('marker')}`;
  try {
    let value: Buffer | undefined;
    const markerSeen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`retained(${topic}) timed out`)), timeoutMs);
      client.on('message', (t, payload, packet) => {
        if (t === topic && packet.retain && payload.length > 0) value = payload;
        if (t === marker) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await client.subscribeAsync(topic, { qos: 1 });
    await client.subscribeAsync(marker, { qos: 1 });
    await client.publishAsync(marker, 'x', { qos: 1 });
    await markerSeen;
    return value;
  } finally {
    await client.endAsync(true);
  }
}
