/**
 * The gateway's live view of one scanner: its driver and what it last reported. Owned by the
 * scanner directory (and its status poller); everyone else gets it as a read-only ScannerSnapshot.
 */
import type { ScannerCapabilities } from '../core/capabilities.js';
import type { ScannerView } from '../core/gateway-api.js';
import type { ScannerStatus } from '../core/status.js';
import type { ScannerDriver } from '../core/scanner.js';
import type { DeviceRecord } from '../core/device-record.js';
import { ContactGate } from './contact-gate.js';

/** What others may read of a scanner; only the directory changes it. */
export interface ScannerSnapshot {
  readonly id: string;
  readonly record: Readonly<DeviceRecord>;
  /** The primary endpoint the driver talks to. */
  readonly url: string;
  readonly capabilities: ScannerCapabilities | undefined;
  /** True once the device itself reported its capabilities to this run (at this address). */
  readonly capabilitiesConfirmed: boolean;
  readonly status: ScannerStatus | undefined;
  readonly online: boolean;
  /** The gateway stopped watching this scanner (shutdown): its last word on it is `offline`. */
  readonly released: boolean;
  /** Why the last status poll failed, told to a user whose scan is refused as offline. */
  readonly lastPollError: { code: string; message: string } | undefined;
  /** The public view used by bridge/devices and Home Assistant. */
  view(): ScannerView;
}

/** Runtime state of one scanner; written by the scanner directory and its status poller only. */
export class ScannerEntry implements ScannerSnapshot {
  /** What the scanner can do: as it told us in this run, or kept from an earlier one until it does. */
  capabilities: ScannerCapabilities | undefined;
  capabilitiesConfirmed = false;
  status: ScannerStatus | undefined;
  online = false;
  /** Consecutive failed polls; the scanner goes offline after a configured number. */
  failures = 0;
  lastPollError: { code: string; message: string } | undefined;
  pollTimer: NodeJS.Timeout | undefined;
  polling = false;
  removed = false;
  released = false;
  /** A contact under way whose verdict commands wait for. */
  readonly contact = new ContactGate();

  constructor(
    public record: DeviceRecord,
    public driver: ScannerDriver,
  ) {}

  get id(): string {
    return this.record.id;
  }

  get url(): string {
    return this.record.endpoints[0]?.url ?? '';
  }

  view(): ScannerView {
    const caps = this.capabilities;
    const view: ScannerView = {
      id: this.record.id,
      name: this.record.name,
      protocol: this.record.protocol,
      url: this.url,
      online: this.online,
    };
    const manufacturer = this.record.manufacturer ?? caps?.manufacturer;
    const model = this.record.model ?? caps?.model;
    const serial = this.record.serial ?? caps?.serial;
    const adminUrl = this.record.adminUrl ?? caps?.admin_url;
    if (manufacturer) view.manufacturer = manufacturer;
    if (model) view.model = model;
    if (serial) view.serial = serial;
    if (caps?.firmware) view.firmware = caps.firmware;
    if (adminUrl) view.admin_url = adminUrl;
    if (caps) view.capabilities = caps;
    return view;
  }
}
