/**
 * The one face every discovery source has (static config, mDNS, saned hosts, later WSD):
 * it reports what it finds and what says goodbye, and the registry is its only listener.
 */
import type { DeviceFinding, FindingSource } from './device.js';

/** Where a source reports to (the composition root binds it to the device registry). */
export interface DiscoveryReport {
  /** A device was seen (again, or with changed details). */
  found(finding: DeviceFinding): void;
  /** A device's endpoints from `source` are gone: one URL, or all of them when `endpointUrl` is absent. */
  goodbye(key: string, source: FindingSource, endpointUrl?: string): void;
}

/** A long-lived discovery source; nothing happens before `start`. */
export interface DiscoverySource {
  /** For logs: `static`, `mdns`, `saned-hosts`, … */
  readonly name: string;
  /** Starts looking; every finding and goodbye from now on goes to `report`. */
  start(report: DiscoveryReport): void;
  /** Stops looking; what was found stays known. */
  stop(): void | Promise<void>;
  /** Looks again now (the `discover` request); a source with nothing to ask does nothing. */
  refresh(): void | Promise<void>;
}
