/**
 * Topic names and identifiers for Home Assistant discovery. Pure.
 * Ids must stay stable across restarts and unique across several gateways on one broker,
 * so every id starts with the base topic and, when set, the instance id.
 */

/** What names are derived from. */
export interface NamingOptions {
  baseTopic: string;
  discoveryPrefix: string;
  instanceId?: string;
}

/** Topics of one scanner on the gateway's own tree. */
export interface ScannerTopics {
  state: string;
  availability: string;
  preferences: string;
  /** Retained summary of the last finished scan, kept by the HA publisher. */
  lastScan: string;
  preview: string;
  buttonEvent: string;
  scan: string;
  cancel: string;
  /** `<base>/<id>/set/<key>`: HA select command topics. */
  set(key: string): string;
}

/** Topics of the bridge (the gateway itself). */
export interface BridgeTopics {
  state: string;
  info: string;
  discover: string;
}

/** Every name the HA layer derives; built once per publisher. */
export interface HaNaming {
  /** `scan2mqtt` or `scan2mqtt_<instance>`; prefix of unique ids, identifiers and object ids. */
  uniquePrefix: string;
  bridgeIdentifier: string;
  scannerIdentifier(scannerId: string): string;
  /** `<prefix>_<scanner>_<entity>`: HA's entity registry key. */
  uniqueId(scannerId: string, entity: string): string;
  bridgeUniqueId(entity: string): string;
  scannerDiscoveryTopic(scannerId: string): string;
  bridgeDiscoveryTopic: string;
  scannerTopics(scannerId: string): ScannerTopics;
  bridgeTopics: BridgeTopics;
}

/**
 * Discovery `<object_id>` may only use `[a-zA-Z0-9_-]` (HA MQTT docs, discovery topic);
 * everything else, including the `/` of a nested base topic, becomes `_`.
 */
export function toObjectId(text: string): string {
  const cleaned = text.replace(/[^a-zA-Z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  return cleaned.length > 0 ? cleaned : 'scan2mqtt';
}

/** A lower-case `[a-z0-9_]` slug, as HA entity ids need. */
export function toSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Builds every name from the base topic, discovery prefix and instance id. */
export function createNaming(options: NamingOptions): HaNaming {
  const base = options.baseTopic.replace(/\/+$/, '');
  const prefix = options.discoveryPrefix.replace(/\/+$/, '');
  const instance = options.instanceId ? `_${toObjectId(options.instanceId)}` : '';
  const uniquePrefix = `${toObjectId(base)}${instance}`.toLowerCase();
  const scannerIdentifier = (scannerId: string) => `${uniquePrefix}_${toObjectId(scannerId)}`;
  const discoveryTopic = (objectId: string) => `${prefix}/device/${objectId}/config`;
  const bridgeIdentifier = `${uniquePrefix}_bridge`;
  return {
    uniquePrefix,
    bridgeIdentifier,
    scannerIdentifier,
    uniqueId: (scannerId, entity) => `${scannerIdentifier(scannerId)}_${entity}`,
    bridgeUniqueId: (entity) => `${bridgeIdentifier}_${entity}`,
    scannerDiscoveryTopic: (scannerId) => discoveryTopic(scannerIdentifier(scannerId)),
    bridgeDiscoveryTopic: discoveryTopic(bridgeIdentifier),
    scannerTopics: (scannerId) => scannerTopicsOf(`${base}/${scannerId}`),
    bridgeTopics: {
      state: `${base}/bridge/state`,
      info: `${base}/bridge/info`,
      discover: `${base}/bridge/request/discover`,
    },
  };
}

function scannerTopicsOf(root: string): ScannerTopics {
  return {
    state: root,
    availability: `${root}/availability`,
    preferences: `${root}/preferences`,
    lastScan: `${root}/last_scan`,
    preview: `${root}/preview`,
    buttonEvent: `${root}/button_event`,
    scan: `${root}/scan`,
    cancel: `${root}/cancel`,
    set: (key) => `${root}/set/${key}`,
  };
}
