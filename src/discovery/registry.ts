/**
 * The device registry: every discovery source reports findings here, and findings with
 * the same identity key (from the same host: devices sharing a UUID stay apart) become one
 * DeviceRecord with one stable id.
 */
import { EventEmitter } from 'node:events';
import type { ProtocolName } from '../core/capabilities.js';
import { scannerIdFrom, type DeviceEndpoint, type DeviceFinding, type FindingSource } from '../core/device.js';
import type { DeviceRecordEvents, DeviceRecords } from '../core/device-record.js';
import type { DiscoveryReport } from '../core/discovery-source.js';
import type { Logger } from '../core/logger.js';
import { findingHosts, hostQualifiedKey, sameHost, sharesHost } from './device-hosts.js';
import { allocateIds, preferredProtocol, rankedName } from './record-merge.js';
import { METADATA, replacer, snapshot, type DeviceRecord, type Entry } from './registry-entry.js';

export type { DeviceRecord } from './registry-entry.js';

/** Registry events and their payloads. */
export type RegistryEvents = DeviceRecordEvents;

/** What the registry may be given. */
export interface DeviceRegistryDeps {
  /** Told when two hosts report one identity (they are kept apart). */
  logger?: Logger;
  /**
   * Protocol names, most preferred first: a device speaking several is presented by the
   * first (the root passes the protocol modules' ranks). Without it, the earliest seen.
   */
  protocolPreference?: readonly ProtocolName[];
  /** The protocol the user chose for one scanner (by id; config `protocol_preference`), used while the device speaks it. */
  protocolFor?: (id: string) => ProtocolName | undefined;
  /** True for a finding this gateway made itself (its own eSCL adverts, issue 12): dropped on arrival. */
  isOwnFinding?: (finding: DeviceFinding) => boolean;
}

/** Merges findings by key (and host, for keys two devices share) into records and announces what changed. */
export class DeviceRegistry implements DeviceRecords {
  private readonly events = new EventEmitter();
  private readonly byKey = new Map<string, Entry>();
  /** Keys replaced by `rekey`, so a later report under the old key finds the record. */
  private readonly aliases = new Map<string, string>();
  private seq = 0;

  constructor(private readonly deps: DeviceRegistryDeps = {}) {}

  /** The face discovery sources report to: findings merge in, goodbyes withdraw. */
  discoveryReport(): DiscoveryReport {
    const found = (finding: DeviceFinding): void => {
      if (!this.deps.isOwnFinding?.(finding)) return void this.report(finding);
      this.deps.logger?.debug({ key: finding.key, source: finding.source }, 'finding is an advert of this gateway: not a device');
    };
    return { found, goodbye: (key, source, url) => this.withdraw(key, source, url) };
  }

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

  /** Merges one finding (a new record if its key is another host's); emits `added`, `found-again` or `changed` (nothing when nothing changed). */
  report(finding: DeviceFinding): DeviceRecord {
    const hosts = findingHosts(finding);
    const existing = this.match(finding.key, hosts);
    if (!existing) return this.create(finding, hosts);
    for (const host of hosts) existing.hosts.add(host);
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
    for (const entry of this.entriesFor(key)) this.withdrawFrom(entry, source, endpointUrl);
  }

  private withdrawFrom(entry: Entry, source: FindingSource, endpointUrl?: string): void {
    const before = entry.endpoints.length;
    entry.endpoints = entry.endpoints.filter(
      (e) => e.source !== source || (endpointUrl !== undefined && e.endpoint.url !== endpointUrl),
    );
    if (entry.endpoints.length === before) return;
    entry.lastProtocol = this.preferred(entry, entry.lastProtocol);
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

  /** A device told its UUID: a hand-listed record still known by its URL takes it as its key, so mDNS sightings merge into it. */
  identify(key: string, uuid: string): void {
    if (key.startsWith('url:')) this.rekey(key, `uuid:${uuid.toLowerCase().replace(/^urn:uuid:/, '')}`);
  }

  /**
   * Replaces a record's key (a hand-listed `url:` device whose UUID is now known) keeping
   * its id; a record of the same host already under `newKey` (found by mDNS first) is
   * merged into it. A record under `newKey` at another host is another device: both stay.
   */
  rekey(oldKey: string, newKey: string): DeviceRecord | undefined {
    const entry = this.byKey.get(this.resolve(oldKey));
    if (!entry) return undefined;
    if (entry.identity === newKey) return snapshot(entry);
    const others = [...this.byKey.values()].filter((e) => e !== entry && e.identity === newKey);
    const same = others.find((e) => sameHost(e.hosts, entry.hosts));
    let key = newKey;
    if (same) {
      key = same.key;
      this.absorb(entry, same);
    } else if (others.length > 0) {
      key = this.uniqueKey(newKey, entry.hosts);
      this.warnShared(newKey, entry.hosts, others);
    }
    this.byKey.delete(entry.key);
    this.aliases.set(entry.key, key);
    for (const [alias, target] of this.aliases) if (target === entry.key) this.aliases.set(alias, key);
    Object.assign(entry, { key, identity: newKey });
    this.byKey.set(key, entry);
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

  /** The record with this key (or a key it was rekeyed from); of devices sharing an identity, the first. */
  getByKey(key: string): DeviceRecord | undefined {
    const entry = this.byKey.get(this.resolve(key)) ?? this.entriesFor(key)[0];
    return entry ? snapshot(entry) : undefined;
  }

  /**
   * The record a finding belongs to: the one its key names, else the one of its identity at
   * the same host. A finding that links two records of one identity (its IPv4 address is
   * one's, its host name the other's) shows they are one device: the later is absorbed.
   */
  private match(key: string, hosts: ReadonlySet<string>): Entry | undefined {
    const direct = this.byKey.get(this.resolve(key));
    if (direct && direct.identity !== key) return direct;
    const candidates = this.entriesFor(key);
    const linked = candidates.filter((e) => sharesHost(e.hosts, hosts));
    const [first, ...rest] = linked.sort((a, b) => Number(!a.sources.has('static')) - Number(!b.sources.has('static')));
    for (const other of rest) this.absorb(first as Entry, other);
    if (rest.length > 0) this.emit('changed', first as Entry);
    return first ?? candidates.find((e) => sameHost(e.hosts, hosts));
  }

  /** Every record a key names: the one it was rekeyed to (or host-qualified as), or all sharing the identity. */
  private entriesFor(key: string): Entry[] {
    const direct = this.byKey.get(this.resolve(key));
    if (direct && direct.identity !== key) return [direct];
    return [...this.byKey.values()].filter((e) => e.identity === key);
  }

  private uniqueKey(identity: string, hosts: ReadonlySet<string>, finding?: DeviceFinding): string {
    let key = hostQualifiedKey(identity, hosts, finding);
    for (let n = 2; this.byKey.has(key); n++) key = `${hostQualifiedKey(identity, hosts, finding)}#${n}`;
    return key;
  }

  private warnShared(identity: string, hosts: ReadonlySet<string>, others: readonly Entry[]): void {
    this.deps.logger?.warn(
      { key: identity, hosts: [...hosts], others: others.map((e) => ({ id: e.id, hosts: [...e.hosts] })) },
      'two devices at different addresses report the same identity (UUID); keeping them apart as separate scanners',
    );
  }

  private create(finding: DeviceFinding, hosts: Set<string>): DeviceRecord {
    const { name, rank } = rankedName(finding);
    const sharing = this.entriesFor(finding.key);
    if (sharing.length > 0) this.warnShared(finding.key, hosts, sharing);
    const key = sharing.length > 0 ? this.uniqueKey(finding.key, hosts, finding) : finding.key;
    const entry: Entry = {
      id: '',
      idBase: scannerIdFrom(finding.friendlyName ?? key),
      key,
      identity: finding.key,
      hosts,
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
    entry.lastProtocol = this.preferred(entry, entry.lastProtocol);
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
    entry.lastProtocol = this.preferred(entry, finding.protocol);
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
    for (const host of other.hosts) entry.hosts.add(host);
    for (const field of METADATA) entry.meta[field] ??= other.meta[field];
    if (other.nameRank > entry.nameRank) Object.assign(entry, { name: other.name, nameRank: other.nameRank });
    entry.credentials ??= other.credentials;
    entry.lastProtocol = this.preferred(entry, entry.lastProtocol);
    entry.present = entry.endpoints.length > 0;
    this.byKey.delete(other.key);
    for (const [alias, target] of this.aliases) if (target === other.key) this.aliases.set(alias, entry.key);
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

  private preferred(entry: Entry, fallback: ProtocolName): ProtocolName {
    return preferredProtocol(entry.endpoints, fallback, this.deps.protocolPreference ?? [], entry.id ? this.deps.protocolFor?.(entry.id) : undefined);
  }

  private resolve(key: string): string {
    return this.aliases.get(key) ?? key;
  }

  private emit(event: keyof RegistryEvents, entry: Entry): void {
    this.events.emit(event, snapshot(entry));
  }
}

