/**
 * Remembers which discovery payloads this gateway has put on the broker, so that an update
 * removes dropped components properly and a removal or clear leaves no ghost entities.
 */
import { withComponentsReduced, type DeviceDiscoveryPayload, type HaPlatform } from './components.js';
import type { HaNaming } from './naming.js';

/** Longest retained discovery payload inspected when sweeping the broker for old ones. */
export const MAX_SWEPT_PAYLOAD_BYTES = 256 * 1024;

/** Discovery payloads known to be retained on the broker, by topic. */
export interface DiscoveryLedger {
  /** The payloads to publish, in order, to move `topic` to `payload`; empty when nothing changed and not forced. */
  plan(topic: string, payload: DeviceDiscoveryPayload, force: boolean): string[];
  record(topic: string, payload: DeviceDiscoveryPayload): void;
  forget(topic: string): void;
  topics(): string[];
}

interface Entry {
  json: string;
  components: Map<string, HaPlatform>;
}

/** An empty ledger. */
export function createDiscoveryLedger(): DiscoveryLedger {
  const entries = new Map<string, Entry>();
  return {
    plan(topic, payload, force) {
      const json = JSON.stringify(payload);
      const previous = entries.get(topic);
      if (previous && previous.json === json && !force) return [];
      const dropped = new Map<string, HaPlatform>();
      for (const [key, platform] of previous?.components ?? []) {
        if (payload.cmps[key]?.p !== platform) dropped.set(key, platform);
      }
      return dropped.size > 0 ? [JSON.stringify(withComponentsReduced(payload, dropped)), json] : [json];
    },
    record(topic, payload) {
      const components = new Map(Object.entries(payload.cmps).map(([key, c]): [string, HaPlatform] => [key, c.p]));
      entries.set(topic, { json: JSON.stringify(payload), components });
    },
    forget(topic) {
      entries.delete(topic);
    },
    topics() {
      return [...entries.keys()];
    },
  };
}

/**
 * True when a retained message on `<prefix>/device/<id>/config` is one this gateway instance
 * published (now or in an earlier run): its object id carries our prefix and its device is
 * our bridge or hangs off it. The prefix alone is not enough: `scan2mqtt_` also starts the
 * ids of a second instance `scan2mqtt_<instance>_…`.
 */
export function isOwnDiscovery(naming: HaNaming, discoveryPrefix: string, topic: string, payload: Buffer): boolean {
  const head = `${discoveryPrefix.replace(/\/+$/, '')}/device/${naming.uniquePrefix}_`;
  if (!topic.startsWith(head) || !topic.endsWith('/config')) return false;
  if (payload.length === 0 || payload.length > MAX_SWEPT_PAYLOAD_BYTES) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return false;
  }
  const dev = (parsed as { dev?: unknown; device?: unknown } | null)?.dev ?? (parsed as { device?: unknown } | null)?.device;
  if (typeof dev !== 'object' || dev === null) return false;
  const { identifiers, ids, via_device } = dev as { identifiers?: unknown; ids?: unknown; via_device?: unknown };
  const idList = Array.isArray(identifiers) ? identifiers : Array.isArray(ids) ? ids : [identifiers ?? ids];
  return via_device === naming.bridgeIdentifier || idList.includes(naming.bridgeIdentifier);
}
