/**
 * The device registry: every discovery source reports findings here, and findings with
 * the same identity key become one DeviceRecord with one stable id.
 */
import { EventEmitter } from 'node:events';
import type { ProtocolName } from '../core/capabilities.js';
import { scannerIdFrom, type DeviceCredentials, type DeviceEndpoint, type DeviceFinding, type FindingSource } from '../core/device.js';
import { allocateIds, orderedEndpoints, preferredProtocol, rankedName, type SourcedEndpoint } from './record-merge.js';

/** One scanner as the rest of the gateway sees it. A snapshot: mutating it changes nothing. */
export interface DeviceRecord {
  /** Public scanner id (`[a-z0-9_]`), stable for the life of the key. */
  id: string;
  key: string;
  protocol: ProtocolName;
  name: string;
  manufacturer?: string;
  model?: string;
  serial?: string;
  adminUrl?: string;
  iconUrl?: string;
  /** Best first: static config, plain HTTP before HTTPS, IPv4 before IPv6. */
  endpoints: DeviceEndpoint[];
  /** Every source that has reported this device. */
  sources: Set<FindingSource>;
  credentials?: DeviceCredentials;
  /** False once every endpoint has been withdrawn (goodbye); true again when reported. */
  present: boolean;
}

/** Registry events and their payloads. */
export interface RegistryEvents {
  added: [record: DeviceRecord];
  changed: [record: DeviceRecord];
  lost: [record: DeviceRecord];
  'found-again': [record: DeviceRecord];
  /** Forgotten (`remove`), absorbed into another record (`rekey`), or its id reassigned. */
  removed: [record: DeviceRecord];
}

type Metadata = 'manufacturer' | 'model' | 'serial' | 'adminUrl' | 'iconUrl';
const METADATA: readonly Metadata[] = ['manufacturer', 'model', 'serial', 'adminUrl', 'iconUrl'];

interface Entry {
  id: string;
  /** What the id derives from: the friendly name or the first key, never changed by rekey. */
  idBase: string;
  key: string;
  lastProtocol: ProtocolName;
  name: string;
  nameRank: number;
  meta: Partial<Record<Metadata, string>>;
  endpoints: SourcedEndpoint[];
  sources: Set<FindingSource>;
  credentials?: DeviceCredentials;
  present: boolean;
}

/** Merges findings by key into records and announces what changed. */
export class DeviceRegistry {
  private readonly events = new EventEmitter();
  private readonly byKey = new Map<string, Entry>();
  /** Keys replaced by `rekey`, so a later report under the old key finds the record. */
  private readonly aliases = new Map<string, string>();
  private seq = 0;

  /** Subscribes to a registry event. */
  on<E extends keyof RegistryEvents>(event: E, listener: (...args: RegistryEvents[E]) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Unsubscribes a listener added with `on`. */
  off<E extends keyof RegistryEvents>(event: E, listener: (...args: RegistryEvents[E]) => void): this {
    this.events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Merges one finding; emits `added`, `found-again` or `changed` (nothing when nothing changed). */
  report(finding: DeviceFinding): DeviceRecord {
    const existing = this.byKey.get(this.resolve(finding.key));
    if (!existing) return this.create(finding);
    const wasPresent = existing.present;
    this.adoptFriendlyName(existing, finding);
    const changed = this.merge(existing, finding);
    existing.present = existing.endpoints.length > 0;
    if (!wasPresent && existing.present) this.emit('found-again', existing);
    else if (changed) this.emit('changed', existing);
    return snapshot(existing);
  }

  /** Removes a source's endpoints (one URL, or all) after a goodbye; emits `lost` when none remain. */
  withdraw(key: string, source: FindingSource, endpointUrl?: string): void {
    const entry = this.byKey.get(this.resolve(key));
    if (!entry) return;
    const before = entry.endpoints.length;
    entry.endpoints = entry.endpoints.filter(
      (e) => e.source !== source || (endpointUrl !== undefined && e.endpoint.url !== endpointUrl),
    );
    if (entry.endpoints.length === before) return;
    entry.lastProtocol = preferredProtocol(entry.endpoints, entry.lastProtocol);
    if (entry.endpoints.length === 0 && entry.present) {
      entry.present = false;
      this.emit('lost', entry);
    } else {
      this.emit('changed', entry);
    }
  }

  /** Forgets a device; a static one comes back on the next config load, a discovered one when seen again. */
  remove(id: string): boolean {
    const entry = this.entryById(id);
    if (!entry) return false;
    this.byKey.delete(entry.key);
    for (const [alias, target] of this.aliases) if (target === entry.key) this.aliases.delete(alias);
    this.emit('removed', entry);
    return true;
  }

  /**
   * Replaces a record's key (a hand-listed `url:` device whose UUID is now known) keeping
   * its id; a record already under `newKey` (found by mDNS first) is merged into it.
   */
  rekey(oldKey: string, newKey: string): DeviceRecord | undefined {
    const entry = this.byKey.get(this.resolve(oldKey));
    if (!entry) return undefined;
    if (entry.key === newKey) return snapshot(entry);
    const other = this.byKey.get(newKey);
    if (other && other !== entry) this.absorb(entry, other);
    this.byKey.delete(entry.key);
    this.aliases.set(entry.key, newKey);
    for (const [alias, target] of this.aliases) if (target === entry.key) this.aliases.set(alias, newKey);
    entry.key = newKey;
    this.byKey.set(newKey, entry);
    this.emit('changed', entry);
    return snapshot(entry);
  }

  /** All records, sorted by id. */
  list(): DeviceRecord[] {
    return [...this.byKey.values()].sort((a, b) => a.id.localeCompare(b.id)).map(snapshot);
  }

  /** The record with this public id. */
  get(id: string): DeviceRecord | undefined {
    const entry = this.entryById(id);
    return entry ? snapshot(entry) : undefined;
  }

  /** The record with this identity key (or a key it was rekeyed from). */
  getByKey(key: string): DeviceRecord | undefined {
    const entry = this.byKey.get(this.resolve(key));
    return entry ? snapshot(entry) : undefined;
  }

  private create(finding: DeviceFinding): DeviceRecord {
    const { name, rank } = rankedName(finding);
    const entry: Entry = {
      id: '',
      idBase: scannerIdFrom(finding.friendlyName ?? finding.key),
      key: this.resolve(finding.key),
      lastProtocol: finding.protocol,
      name,
      nameRank: rank,
      meta: {},
      endpoints: [],
      sources: new Set(),
      present: false,
    };
    this.merge(entry, finding);
    entry.present = entry.endpoints.length > 0;
    this.byKey.set(entry.key, entry);
    this.assignIds(entry.idBase, entry);
    this.emit('added', entry);
    return snapshot(entry);
  }

  /** Folds a finding into an entry; returns whether anything visible changed. */
  private merge(entry: Entry, finding: DeviceFinding): boolean {
    const before = JSON.stringify(snapshot(entry), replacer);
    entry.sources.add(finding.source);
    const candidate = rankedName(finding);
    if (candidate.rank > entry.nameRank) Object.assign(entry, { name: candidate.name, nameRank: candidate.rank });
    for (const field of METADATA) {
      const value = finding[field];
      // Static config is the user's word; otherwise the first value seen stays.
      if (value && (entry.meta[field] === undefined || finding.source === 'static')) entry.meta[field] = value;
    }
    if (finding.credentials && (!entry.credentials || finding.source === 'static')) entry.credentials = { ...finding.credentials };
    for (const endpoint of finding.endpoints) this.addEndpoint(entry, endpoint, finding);
    entry.lastProtocol = preferredProtocol(entry.endpoints, finding.protocol);
    return JSON.stringify(snapshot(entry), replacer) !== before;
  }

  private addEndpoint(entry: Entry, endpoint: DeviceEndpoint, finding: DeviceFinding): void {
    const same = entry.endpoints.find(
      (e) => e.endpoint.url === endpoint.url && e.source === finding.source && e.protocol === finding.protocol,
    );
    if (same) same.endpoint = { ...endpoint };
    else entry.endpoints.push({ endpoint: { ...endpoint }, source: finding.source, protocol: finding.protocol, seq: this.seq++ });
  }

  /** Moves `other`'s sightings into `entry` (which keeps its id and its own metadata) and drops `other`. */
  private absorb(entry: Entry, other: Entry): void {
    for (const e of other.endpoints) {
      if (!entry.endpoints.some((x) => x.endpoint.url === e.endpoint.url && x.source === e.source)) entry.endpoints.push(e);
    }
    for (const source of other.sources) entry.sources.add(source);
    for (const field of METADATA) entry.meta[field] ??= other.meta[field];
    if (other.nameRank > entry.nameRank) Object.assign(entry, { name: other.name, nameRank: other.nameRank });
    entry.credentials ??= other.credentials;
    entry.lastProtocol = preferredProtocol(entry.endpoints, entry.lastProtocol);
    entry.present = entry.endpoints.length > 0;
    this.byKey.delete(other.key);
    this.emit('removed', other);
  }

  /** A friendly name arriving after the record was created still sets the id (the user's choice wins). */
  private adoptFriendlyName(entry: Entry, finding: DeviceFinding): void {
    if (!finding.friendlyName) return;
    const base = scannerIdFrom(finding.friendlyName);
    if (base === entry.idBase) return;
    const oldBase = entry.idBase;
    const old = snapshot(entry);
    entry.idBase = base;
    this.assignIds(base, entry);
    this.assignIds(oldBase);
    if (old.id !== entry.id) {
      this.events.emit('removed', old);
      this.emit('added', entry);
    }
  }

  /** (Re)allocates the ids of every record sharing `base`; a record other than `fresh` that moves is re-announced. */
  private assignIds(base: string, fresh?: Entry): void {
    const group = [...this.byKey.values()].filter((e) => e.idBase === base);
    const taken = new Set([...this.byKey.values()].filter((e) => e.idBase !== base).map((e) => e.id));
    const ids = allocateIds(base, group.map((e) => e.key), taken);
    for (const entry of group) {
      const id = ids.get(entry.key) ?? base;
      if (entry === fresh || entry.id === '') {
        entry.id = id;
      } else if (entry.id !== id) {
        const old = snapshot(entry);
        entry.id = id;
        this.events.emit('removed', old);
        this.emit('added', entry);
      }
    }
  }

  private entryById(id: string): Entry | undefined {
    for (const entry of this.byKey.values()) if (entry.id === id) return entry;
    return undefined;
  }

  private resolve(key: string): string {
    return this.aliases.get(key) ?? key;
  }

  private emit(event: keyof RegistryEvents, entry: Entry): void {
    this.events.emit(event, snapshot(entry));
  }
}

function snapshot(entry: Entry): DeviceRecord {
  const record: DeviceRecord = {
    id: entry.id,
    key: entry.key,
    protocol: entry.lastProtocol,
    name: entry.name,
    endpoints: orderedEndpoints(entry.endpoints, entry.lastProtocol),
    sources: new Set(entry.sources),
    present: entry.present,
  };
  for (const field of METADATA) if (entry.meta[field] !== undefined) record[field] = entry.meta[field];
  if (entry.credentials) record.credentials = { ...entry.credentials };
  return record;
}

function replacer(_key: string, value: unknown): unknown {
  return value instanceof Set ? [...value].sort() : value;
}
