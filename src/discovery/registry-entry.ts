/** A registry record as kept inside the registry, and the read-only snapshot the rest of the gateway gets. */
import type { ProtocolName } from '../core/capabilities.js';
import type { DeviceCredentials, FindingSource } from '../core/device.js';
import type { DeviceRecord } from '../core/device-record.js';
import { orderedEndpoints, otherProtocolEndpoints, type SourcedEndpoint } from './record-merge.js';

export type { DeviceRecord } from '../core/device-record.js';

/** Descriptive fields merged from findings. */
export type Metadata = 'manufacturer' | 'model' | 'serial' | 'adminUrl' | 'iconUrl';
/** The descriptive fields, in publication order. */
export const METADATA: readonly Metadata[] = ['manufacturer', 'model', 'serial', 'adminUrl', 'iconUrl'];

/** The registry's mutable record of one device. */
export interface Entry {
  id: string;
  /** What the id derives from: the friendly name or the first key, never changed by rekey. */
  idBase: string;
  /** Unique in the registry: the identity key, or `identity@host` for a second device under one identity. */
  key: string;
  /** The finding key this record answers to (`uuid:…`); several records share one when devices share a UUID. */
  identity: string;
  /** Every address and mDNS host name this device was seen at (kept after goodbyes: it is who the device is). */
  hosts: Set<string>;
  lastProtocol: ProtocolName;
  name: string;
  nameRank: number;
  meta: Partial<Record<Metadata, string>>;
  endpoints: SourcedEndpoint[];
  sources: Set<FindingSource>;
  credentials?: DeviceCredentials;
  present: boolean;
}

/** A copy of an entry that cannot change the registry. */
export function snapshot(entry: Entry): DeviceRecord {
  const record: DeviceRecord = {
    id: entry.id,
    key: entry.key,
    protocol: entry.lastProtocol,
    name: entry.name,
    endpoints: orderedEndpoints(entry.endpoints, entry.lastProtocol),
    sources: new Set(entry.sources),
    present: entry.present,
  };
  const others = otherProtocolEndpoints(entry.endpoints, entry.lastProtocol);
  if (others) record.otherEndpoints = others;
  for (const field of METADATA) if (entry.meta[field] !== undefined) record[field] = entry.meta[field];
  if (entry.credentials) record.credentials = { ...entry.credentials };
  return record;
}

/** JSON.stringify replacer that makes Sets comparable. */
export function replacer(_key: string, value: unknown): unknown {
  return value instanceof Set ? [...value].sort() : value;
}
