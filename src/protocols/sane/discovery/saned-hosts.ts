/**
 * Expands saned hosts (`sane://host[:port]` without a device) into one finding per
 * exported device, and keeps asking: a host that is down now is retried with backoff,
 * and devices plugged in later appear at the next listing.
 */
import type { DeviceFinding } from '../../../core/device.js';
import type { DiscoveryReport, DiscoverySource } from '../../../core/discovery-source.js';
import type { Logger } from '../../../core/logger.js';
import type { ProtocolTracer } from '../../../core/trace.js';
import { listSaneDevices } from '../driver.js';
import { sanedDeviceNames, type SanedDeviceIdentity } from './device-names.js';
import { findingForSanedDevice, SANED_SOURCE, type SanedHostEntry } from './host-entry.js';

/** How often a reachable host is asked for its device list again. */
export const SANED_RELIST_INTERVAL_MS = 5 * 60 * 1000;
/** First retry delay for an unreachable host; doubles up to the relist interval. */
export const SANED_RETRY_MIN_MS = 5_000;
/** How long one listing may take. */
export const SANED_LIST_TIMEOUT_MS = 10_000;

/** What the saned host lister needs. */
export interface SanedHostDiscoveryDeps {
  hosts: SanedHostEntry[];
  logger: Logger;
  tracer?: ProtocolTracer;
  relistIntervalMs?: number;
}

/** Lists the devices of configured saned hosts, and of hosts found at run time, continuously. */
export class SanedHostDiscovery implements DiscoverySource {
  readonly name = 'saned-hosts';
  private readonly timers = new Map<SanedHostEntry, NodeJS.Timeout>();
  private readonly failures = new Map<SanedHostEntry, number>();
  /** Hosts found by DNS-SD (`_sane-port._tcp`), by `host:port`, with the keys of the devices they listed. */
  private readonly found = new Map<string, { host: SanedHostEntry; keys: Set<string> }>();
  private running = false;
  private report: DiscoveryReport | undefined;

  constructor(private readonly deps: SanedHostDiscoveryDeps) {}

  /** Lists every host now and keeps relisting; each device listed is reported as found. */
  start(report: DiscoveryReport): void {
    this.report = report;
    this.running = true;
    for (const host of this.hosts()) void this.list(host);
  }

  /** Lists every host again now ("discover now"). */
  async refresh(): Promise<void> {
    await Promise.all(this.hosts().map((host) => this.list(host)));
  }

  /** A host announced itself: list its devices now and keep relisting (a configured host is listed already). */
  add(host: SanedHostEntry): void {
    const address = `${host.host}:${host.port}`;
    if (this.found.has(address) || this.deps.hosts.some((h) => `${h.host}:${h.port}` === address)) return;
    this.found.set(address, { host, keys: new Set() });
    void this.list(host);
  }

  /** A found host said goodbye: stop listing it, and say goodbye for each device it had listed (their keys are returned). */
  remove(host: Pick<SanedHostEntry, 'host' | 'port'>): string[] {
    const address = `${host.host}:${host.port}`;
    const entry = this.found.get(address);
    if (!entry) return [];
    this.found.delete(address);
    clearTimeout(this.timers.get(entry.host));
    this.timers.delete(entry.host);
    this.failures.delete(entry.host);
    for (const key of entry.keys) this.report?.goodbye(key, SANED_SOURCE);
    return [...entry.keys];
  }

  private hosts(): SanedHostEntry[] {
    return [...this.deps.hosts, ...[...this.found.values()].map((f) => f.host)];
  }

  private isListed(host: SanedHostEntry): boolean {
    return this.deps.hosts.includes(host) || this.found.get(`${host.host}:${host.port}`)?.host === host;
  }

  /** Stops the timers. */
  stop(): void {
    this.running = false;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async list(host: SanedHostEntry): Promise<void> {
    if (!this.running || !this.isListed(host)) return;
    clearTimeout(this.timers.get(host));
    const log = this.deps.logger.child({ saned: `${host.host}:${host.port}` });
    let delay = this.deps.relistIntervalMs ?? SANED_RELIST_INTERVAL_MS;
    try {
      const devices = await listSaneDevices({
        host: host.host,
        port: host.port,
        logger: log,
        timeoutMs: SANED_LIST_TIMEOUT_MS,
        ...(host.credentials ? { credentials: host.credentials } : {}),
        ...(this.deps.tracer ? { tracer: this.deps.tracer } : {}),
      });
      this.failures.delete(host);
      log.debug({ devices: devices.map((d) => d.name) }, 'saned host listed');
      // The host may have said goodbye while its listing was on the wire.
      if (!this.isListed(host)) return;
      for (const finding of findingsForSanedHost(host, devices)) {
        this.found.get(`${host.host}:${host.port}`)?.keys.add(finding.key);
        this.report?.found(finding);
      }
    } catch (error) {
      const failures = (this.failures.get(host) ?? 0) + 1;
      this.failures.set(host, failures);
      delay = Math.min(SANED_RETRY_MIN_MS * 2 ** (failures - 1), delay);
      log[failures === 1 ? 'warn' : 'debug']({ err: error, retryInMs: delay }, 'saned host unreachable');
    }
    if (this.running && this.isListed(host)) {
      const timer = setTimeout(() => void this.list(host), delay);
      timer.unref();
      this.timers.set(host, timer);
    }
  }
}

/** One finding per device of a host's listing, each named from its vendor and model (ids come from the key, unchanged). */
export function findingsForSanedHost(host: SanedHostEntry, devices: readonly SanedDeviceIdentity[]): DeviceFinding[] {
  const names = sanedDeviceNames(host.name, devices);
  return devices.map((device) => {
    const displayName = names.get(device.name);
    return findingForSanedDevice(host, device.name, { vendor: device.vendor, model: device.model, ...(displayName ? { displayName } : {}) });
  });
}
