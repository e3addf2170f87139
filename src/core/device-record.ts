/**
 * A known device as the registry merges it from findings, and the read-only face of the
 * registry that the gateway follows: it learns of devices without knowing who found them.
 */
import type { ProtocolName } from './capabilities.js';
import type { DeviceEndpoint, DeviceFinding, FindingSource } from './device.js';
import type { ScannerDriver } from './scanner.js';

/** The identity fields a record takes over from the findings it merges. */
type MergedFindingFields = 'key' | 'protocol' | 'name' | 'manufacturer' | 'model' | 'serial' | 'adminUrl' | 'iconUrl' | 'endpoints' | 'credentials';

/**
 * One scanner as the rest of the gateway sees it. A snapshot: mutating it changes nothing.
 * Its `endpoints` are ranked best first: static config, plain HTTP before HTTPS, IPv4 before IPv6.
 */
export interface DeviceRecord extends Pick<DeviceFinding, MergedFindingFields> {
  /** Public scanner id (`[a-z0-9_]`), stable for the life of the key. */
  id: string;
  /**
   * Endpoints of the other protocols the same device speaks (an eSCL scanner that also offers
   * WSD: its WS-Scan service, for WS-Eventing), by protocol; absent when it speaks only `protocol`.
   */
  otherEndpoints?: Partial<Record<ProtocolName, DeviceEndpoint[]>>;
  /** Every source that has reported this device. */
  sources: Set<FindingSource>;
  /** False once every endpoint has been withdrawn (goodbye); true again when reported. */
  present: boolean;
}

/** A record's endpoints for one protocol, best first: its own when it is presented by that protocol, else the ones it also speaks. */
export function endpointsFor(record: Pick<DeviceRecord, 'protocol' | 'endpoints' | 'otherEndpoints'>, protocol: ProtocolName): DeviceEndpoint[] {
  return record.protocol === protocol ? record.endpoints : (record.otherEndpoints?.[protocol] ?? []);
}

/** What happens to records, and the record each event carries. */
export interface DeviceRecordEvents {
  added: [record: DeviceRecord];
  changed: [record: DeviceRecord];
  lost: [record: DeviceRecord];
  'found-again': [record: DeviceRecord];
  /** Forgotten (`remove`), absorbed into another record (`rekey`), or its id reassigned. */
  removed: [record: DeviceRecord];
}

/** The device records as their users see them: the list, its changes, and forgetting one. */
export interface DeviceRecords {
  /** Subscribes to a record event. */
  on<E extends keyof DeviceRecordEvents>(event: E, listener: (...args: DeviceRecordEvents[E]) => void): unknown;
  /** All records, sorted by id. */
  list(): DeviceRecord[];
  /** Forgets a device until a source reports it again; false when the id is unknown. */
  remove(id: string): boolean;
  /** The device told its UUID (its capabilities): a record known by another key may take it. */
  identify(key: string, uuid: string): void;
}

/** Builds the driver of a record (the composition root makes one from the protocol modules). */
export type DriverFactory = (record: DeviceRecord) => ScannerDriver;
