/**
 * WS-Discovery as a discovery source (PROTOCOLS.md B.2/B.3): probes with the SOAP-over-UDP
 * repeats and jitter, listens for Hello and Bye, resolves endpoints that came without XAddrs,
 * reads each device's metadata (again when its MetadataVersion changes) and reports only
 * devices that host a scanner service. Failures are logged; they never end the process.
 */
import type { DiscoveryReport, DiscoverySource } from '../../../core/discovery-source.js';
import type { Logger } from '../../../core/logger.js';
import {
  DEVICE_TYPE,
  SCAN_DEVICE_TYPE,
  buildProbe,
  buildResolve,
  mayBeScanner,
  newDiscoveryMessageId,
  parseDiscoveryMessage,
  type DiscoveredEndpoint,
  type ProbeType,
} from './codec.js';
import { findingFromMetadata, findingKeyFor, type WsdFindingMetadata } from './to-finding.js';
import { openUdpTransport, type WsdTransport } from './udp-transport.js';

/** SOAP-over-UDP: a multicast message is repeated this many times after the first send. */
export const PROBE_REPEATS = 2;
/** SOAP-over-UDP UDP_MIN_DELAY / UDP_MAX_DELAY: the first repeat waits a random time between them. */
export const UDP_MIN_DELAY_MS = 50;
/** See UDP_MIN_DELAY_MS. */
export const UDP_MAX_DELAY_MS = 250;
/** SOAP-over-UDP UDP_UPPER_DELAY: later repeats double the wait up to this. */
export const UDP_UPPER_DELAY_MS = 500;
/** Re-probe interval, for devices whose Hello was missed (Samsung C480W says Hello only at boot). */
export const DEFAULT_PROBE_INTERVAL_MS = 300_000;
/** Limit for reading one device's metadata. */
export const DEFAULT_METADATA_TIMEOUT_MS = 10_000;
/** Message ids remembered to drop the repeats of a datagram. */
export const SEEN_MESSAGE_IDS = 512;
/** A Resolve for one address is not sent again within this time (every ProbeMatch copy would ask). */
export const RESOLVE_HOLDOFF_MS = 5_000;
/** Devices tracked at most; more is a flood. */
export const MAX_TRACKED_ENDPOINTS = 1024;

/** What WS-Discovery needs. */
export interface WsdDiscoveryDeps {
  logger: Logger;
  /** Reads a device's metadata from one XAddr (the WSD protocol's WS-Transfer Get). */
  fetchMetadata(xaddr: string, endpointAddress: string, signal: AbortSignal): Promise<WsdFindingMetadata>;
  /** Opens the sockets; defaults to UDP 3702 multicast on every interface. */
  openTransport?: (logger: Logger) => Promise<WsdTransport>;
  probeIntervalMs?: number;
  metadataTimeoutMs?: number;
  /** Types probed for, one Probe each (default wsdp:Device and wscn:ScanDeviceType). */
  probeTypes?: readonly (readonly ProbeType[])[];
  /** Random source for the jitter (tests may fix it). */
  random?: () => number;
}

interface Tracked {
  key: string;
  metadataVersion?: number;
  xaddrs: string[];
  /** Scanner service URLs reported for this endpoint (empty: not a scanner). */
  urls: string[];
  pending?: Promise<void>;
}

/** WS-Discovery source with the `start(report)` / `stop()` / `refresh()` face of every discovery source. */
export class WsdDiscovery implements DiscoverySource {
  /** The finding source name (goodbyes withdraw only this source's endpoints). */
  readonly name = 'wsd';
  private transport: WsdTransport | undefined;
  private report: DiscoveryReport | undefined;
  private readonly tracked = new Map<string, Tracked>();
  private readonly seen: string[] = [];
  private readonly resolving = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly aborts = new AbortController();
  private interval: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly deps: WsdDiscoveryDeps) {}

  /** Opens the sockets and sends the first probes; a failure is logged (hand-listed devices still work), never thrown. */
  async start(report: DiscoveryReport): Promise<void> {
    if (this.report) return;
    this.report = report;
    const open = this.deps.openTransport ?? ((logger: Logger) => openUdpTransport({ logger }));
    try {
      this.transport = await open(this.deps.logger);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'WS-Discovery cannot open its sockets; WSD scanners are found only when listed by hand');
      return;
    }
    if (this.stopped) return void (await this.transport.close());
    this.transport.onMessage((xml, from) => this.receive(xml, from.address));
    this.interval = setInterval(() => this.refresh(), this.deps.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS);
    this.interval.unref();
    this.refresh();
  }

  /** Closes the sockets; known devices are not withdrawn. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.aborts.abort();
    await Promise.allSettled([...this.tracked.values()].map((t) => t.pending));
    await this.transport?.close();
    this.transport = undefined;
  }

  /** Probes now (the "discover" request). */
  refresh(): void {
    if (!this.transport || this.stopped) return;
    for (const types of this.deps.probeTypes ?? [[DEVICE_TYPE], [SCAN_DEVICE_TYPE]]) this.multicast(buildProbe(types, newDiscoveryMessageId()));
  }

  /** Sends a message now and repeats it with the SOAP-over-UDP jitter (the same MessageID each time). */
  private multicast(xml: string): void {
    const random = this.deps.random ?? Math.random;
    const send = () => void this.transport?.send(xml).catch((error: unknown) => this.deps.logger.debug({ err: error }, 'WS-Discovery send failed'));
    send();
    let wait = UDP_MIN_DELAY_MS + random() * (UDP_MAX_DELAY_MS - UDP_MIN_DELAY_MS);
    let at = 0;
    for (let repeat = 0; repeat < PROBE_REPEATS; repeat += 1) {
      at += wait;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        send();
      }, at);
      timer.unref();
      this.timers.add(timer);
      wait = Math.min(wait * 2, UDP_UPPER_DELAY_MS);
    }
  }

  private receive(xml: string, from: string): void {
    let message;
    try {
      message = parseDiscoveryMessage(xml);
    } catch (error) {
      this.deps.logger.debug({ err: error, from }, 'WS-Discovery: ignoring a malformed datagram');
      return;
    }
    // UDP messages are sent several times; only the first copy counts.
    if (message.messageId !== undefined) {
      if (this.seen.includes(message.messageId)) return;
      this.seen.push(message.messageId);
      if (this.seen.length > SEEN_MESSAGE_IDS) this.seen.shift();
    }
    if (message.kind === 'bye') return this.bye(message.address);
    if (message.kind === 'other') return;
    for (const endpoint of message.endpoints) this.sighted(endpoint);
  }

  private sighted(endpoint: DiscoveredEndpoint): void {
    if (!mayBeScanner(endpoint)) {
      this.deps.logger.debug({ address: endpoint.address }, 'WS-Discovery: a computer (pub:Computer), not a scanner; not listed');
      return;
    }
    if (endpoint.xaddrs.length === 0) {
      // No transport address: ask the device for one (its ResolveMatches comes back as a sighting).
      const now = Date.now();
      if (now - (this.resolving.get(endpoint.address) ?? -Infinity) < RESOLVE_HOLDOFF_MS) return;
      if (this.resolving.size >= MAX_TRACKED_ENDPOINTS) this.resolving.clear();
      this.resolving.set(endpoint.address, now);
      this.multicast(buildResolve(endpoint.address, newDiscoveryMessageId()));
      return;
    }
    const known = this.tracked.get(endpoint.address);
    if (known?.pending) return;
    const unchanged = known && known.metadataVersion === endpoint.metadataVersion && sameList(known.xaddrs, endpoint.xaddrs);
    if (unchanged) return;
    if (!known && this.tracked.size >= MAX_TRACKED_ENDPOINTS) return;
    const entry: Tracked = known ?? { key: findingKeyFor(endpoint.address), xaddrs: [], urls: [] };
    entry.xaddrs = endpoint.xaddrs;
    if (endpoint.metadataVersion !== undefined) entry.metadataVersion = endpoint.metadataVersion;
    else delete entry.metadataVersion;
    this.tracked.set(endpoint.address, entry);
    entry.pending = this.readMetadata(endpoint, entry).finally(() => {
      entry.pending = undefined;
    });
  }

  private async readMetadata(endpoint: DiscoveredEndpoint, entry: Tracked): Promise<void> {
    for (const xaddr of endpoint.xaddrs) {
      if (this.stopped) return;
      const signal = AbortSignal.any([this.aborts.signal, AbortSignal.timeout(this.deps.metadataTimeoutMs ?? DEFAULT_METADATA_TIMEOUT_MS)]);
      let metadata: WsdFindingMetadata;
      try {
        metadata = await this.deps.fetchMetadata(xaddr, endpoint.address, signal);
      } catch (error) {
        this.deps.logger.debug({ err: error, xaddr }, 'WS-Discovery: metadata read failed');
        continue;
      }
      // A Bye while the read was under way wins.
      if (this.tracked.get(endpoint.address) !== entry) return;
      const finding = findingFromMetadata(endpoint.address, metadata);
      const urls = finding?.endpoints.map((e) => e.url) ?? [];
      const gone = entry.urls.filter((url) => !urls.includes(url));
      entry.urls = urls;
      if (finding) this.safely(() => this.report?.found(finding));
      else this.deps.logger.debug({ address: endpoint.address, xaddr }, 'WS-Discovery: no scan service in its metadata (a computer or a printer); not listed');
      for (const url of gone) this.safely(() => this.report?.goodbye(entry.key, 'wsd', url));
      return;
    }
    // Nothing answered: forget the version so the next sighting tries again.
    delete entry.metadataVersion;
    entry.xaddrs = [];
  }

  private bye(address: string): void {
    const entry = this.tracked.get(address);
    if (!entry) return;
    this.tracked.delete(address);
    for (const url of entry.urls) this.safely(() => this.report?.goodbye(entry.key, 'wsd', url));
  }

  private safely(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.deps.logger.error({ err: error }, 'WS-Discovery report handler failed');
    }
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
