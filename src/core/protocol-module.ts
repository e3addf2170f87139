/**
 * What a protocol brings to the gateway. Each protocol is one folder under src/protocols
 * and one line in src/protocols/index.ts; nothing else in the gateway names it.
 */
import type { ProtocolName } from './capabilities.js';
import type { DeviceCredentials, DeviceEndpoint } from './device.js';
import type { DeviceRecord } from './device-record.js';
import type { DiscoverySource } from './discovery-source.js';
import type { Logger } from './logger.js';
import type { MdnsServiceType } from './mdns-service.js';
import type { ScannerDriver } from './scanner.js';
import type { ProtocolTracer } from './trace.js';

/** A hand-listed URL as its protocol reads it. */
export interface DeviceUrl {
  /** The URL in canonical form (what the registry keeps as the endpoint). */
  url: string;
  /** The identity key of the one device the URL names; absent when it names a host whose devices the protocol lists. */
  key?: string;
  /** The host the URL names: a display name of last resort. */
  host: string;
}

/** A hand-listed host whose devices the protocol's discovery lists (a `sane://host` without a device). */
export interface ListedHost {
  /** Display name the host's devices are named after. */
  name: string;
  /** Its canonical URL (`DeviceUrl.url`). */
  url: string;
  credentials?: DeviceCredentials;
  friendlyName?: string;
}

/** What a protocol's discovery is built from. */
export interface ProtocolDiscoveryDeps {
  /** Hand-listed hosts of this protocol (config `devices` and host lists). */
  hosts: ListedHost[];
  /** How often hosts are asked again. */
  rescanIntervalMs: number;
  /** The on/off switches of config `discovery` (`mdns`, `wsd`, …): a protocol reads the one of its own source. */
  switches: Readonly<Record<string, boolean>>;
  logger: Logger;
  tracer: ProtocolTracer;
}

/** How a protocol finds devices: sources of its own, and DNS-SD types the mDNS browser hands it. */
export interface ProtocolDiscovery {
  sources: DiscoverySource[];
  mdnsServices: MdnsServiceType[];
}

/** What a driver is built from. */
export interface DriverContext {
  record: DeviceRecord;
  /** The endpoint to use: the record's best. */
  endpoint: DeviceEndpoint;
  /** Already bound to the scanner and protocol. */
  logger: Logger;
  tracer: ProtocolTracer;
  /** JPEG quality for drivers that encode pages themselves from raw lines (`scan.jpeg_quality`; unset: the driver's default). */
  jpegQuality?: number;
}

/** One protocol, as the composition root sees it. */
export interface ProtocolModule {
  /** Published as `protocol` (capabilities, scanner list) and used in config `devices[].protocol`. */
  readonly name: ProtocolName;
  /** When one device speaks several protocols, the lowest rank is used. */
  readonly preference: number;
  /** Reads a hand-listed URL: validates and normalises it; throws InvalidRequest saying what is wrong. */
  parseUrl(url: string): DeviceUrl;
  /** Builds the driver of a record of this protocol; throws a ScanError when it cannot. */
  createDriver(context: DriverContext): ScannerDriver;
  /** The protocol's own discovery, if it has any. */
  discovery?(deps: ProtocolDiscoveryDeps): ProtocolDiscovery;
  /** Set while the protocol cannot drive devices yet: hand-listed devices are accepted, and this is logged at start. */
  readonly notReady?: string;
}
