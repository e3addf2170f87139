/** Reads every retained message under a filter as a fresh subscriber sees it. */
import { randomBytes } from 'node:crypto';
import { connectAsync } from 'mqtt';

/** Limit for the barrier round trip; a limit, not an assertion. */
const SNAPSHOT_LIMIT_MS = 10_000;

/**
 * Subscribes a new client to `filter`, then to a private marker topic and publishes to it: the
 * broker delivers a subscription's retained messages before anything published afterwards.
 */
export async function retainedUnder(url: string, filter: string): Promise<Map<string, Buffer>> {
  const client = await connectAsync(url, { clientId: `snap_${randomBytes(4).toString('hex')}`, reconnectPeriod: 0 });
  const marker = `snapshot-marker/${randomBytes(6).toString('hex')}`;
  const found = new Map<string, Buffer>();
  try {
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`snapshot of ${filter} timed out`)), SNAPSHOT_LIMIT_MS);
      client.on('message', (topic, payload, packet) => {
        if (topic === marker) {
          clearTimeout(timer);
          resolve();
        } else if (packet.retain && payload.length > 0) found.set(topic, payload);
      });
    });
    await client.subscribeAsync(filter, { qos: 1 });
    await client.subscribeAsync(marker, { qos: 1 });
    await client.publishAsync(marker, 'x', { qos: 1 });
    await done;
    return found;
  } finally {
    await client.endAsync(true);
  }
}
