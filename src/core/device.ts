/** Device identity: what discovery finds and what the registry merges. */
import type { ProtocolName } from './capabilities.js';

/**
 * Which discovery source reported a finding (`static` for config, `mdns`, …). Endpoints are
 * withdrawn per source, and `static` ranks first: the user's own word.
 */
export type FindingSource = string;

/** The source name of hand-listed devices (config `devices`). */
export const STATIC_SOURCE: FindingSource = 'static';

/** One way to reach a device: a base URL for HTTP protocols, `sane://host:port/device` for SANE. */
export interface DeviceEndpoint {
  url: string;
  /** HTTPS devices announce self-signed certificates; accept them for this endpoint only. */
  insecureTls?: boolean;
}

/** Credentials for saned authentication or HTTP auth. */
export interface DeviceCredentials {
  username?: string;
  password?: string;
}

/** One sighting of a device by one discovery source. */
export interface DeviceFinding {
  /**
   * Stable identity of the physical device within a protocol: `uuid:<uuid>` for eSCL/WSD,
   * `sane:<host>:<port>:<device>` for saned, `url:<url>` for hand-listed devices without one.
   * Two findings with the same key are the same scanner, unless they come from different hosts
   * (devices that share a UUID are kept apart by the registry).
   */
  key: string;
  source: FindingSource;
  protocol: ProtocolName;
  /** A display name; the registry keeps the first good one so names do not flap. */
  name: string;
  manufacturer?: string;
  model?: string;
  serial?: string;
  adminUrl?: string;
  iconUrl?: string;
  endpoints: DeviceEndpoint[];
  /**
   * The mDNS host name (SRV target) that announced it: what ties a device's IPv4 and IPv6,
   * `_uscan` and `_uscans` sightings together when their addresses differ.
   */
  hostName?: string;
  credentials?: DeviceCredentials;
  /** A user-chosen id (config `friendly_name`), which replaces the derived one. */
  friendlyName?: string;
}

/** Derives the public scanner id (`[a-z0-9_]`) from a finding key or a friendly name. */
export function scannerIdFrom(text: string): string {
  const id = text
    .toLowerCase()
    // A protocol's own key prefix (`sane:`) stays, as `sane_`, by the rule below.
    .replace(/^(uuid|url):/, '')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return id.length > 0 ? id : 'scanner';
}
