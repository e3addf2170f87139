/** A minimal MqttLink over mqtt.js for tests (the real one lives in src/mqtt/). */
import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import type { MqttLink } from '../../src/homeassistant/mqtt-link.js';

/** The link plus the means to close it. */
export interface TestLink extends MqttLink {
  client: MqttClient;
  close(): Promise<void>;
}

function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

/** Connects a link to `url`. */
export async function connectTestLink(url: string, opts: { reconnectPeriod?: number } = {}): Promise<TestLink> {
  const client = await connectAsync(url, { clientId: `ha_test_${randomBytes(4).toString('hex')}`, reconnectPeriod: opts.reconnectPeriod ?? 0 });
  const handlers: { filter: string; handler: (topic: string, payload: Buffer) => void }[] = [];
  const connectCallbacks: ((isReconnect: boolean) => void)[] = [];
  client.on('message', (topic, payload) => {
    for (const h of handlers) if (matches(h.filter, topic)) h.handler(topic, payload);
  });
  client.on('connect', () => connectCallbacks.forEach((cb) => cb(true)));
  client.on('error', () => {}); // reconnect attempts against a stopped broker are expected in tests
  return {
    client,
    async publish(topic, payload, opts = {}) {
      // Like src/mqtt/connection.ts: refuse while offline instead of queueing.
      if (!client.connected) throw new Error(`not connected; dropped ${topic}`);
      const body = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
      await client.publishAsync(topic, body, { retain: opts.retain ?? false, qos: opts.qos ?? 0 });
    },
    async subscribe(filter, handler) {
      handlers.push({ filter, handler });
      await client.subscribeAsync(filter, { qos: 1 });
    },
    onConnect(cb) {
      connectCallbacks.push(cb);
    },
    async close() {
      await client.endAsync(true);
    },
  };
}
