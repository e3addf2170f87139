/** The gateway's live view of one scanner: its driver, what it last reported, and its job queue. */
import type { ScannerCapabilities } from '../core/capabilities.js';
import type { ScannerStatePayload, ScannerView } from '../core/gateway-api.js';
import type { JobEvent } from '../core/job.js';
import type { ScannerDriver } from '../core/scanner.js';
import type { ScannerStatus } from '../core/status.js';
import type { DeviceRecord } from '../core/device-record.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { ContactGate } from './contact-gate.js';

/** Runtime state of one scanner. */
export class ScannerEntry {
  /** What the scanner can do: as it told us in this run, or kept from an earlier one until it does. */
  capabilities: ScannerCapabilities | undefined;
  /** True once the device itself reported its capabilities to this run (at this address). */
  capabilitiesConfirmed = false;
  status: ScannerStatus | undefined;
  online = false;
  /** Consecutive failed polls; the scanner goes offline after a configured number. */
  failures = 0;
  lastJob: JobEvent | null = null;
  /** Why the last status poll failed, told to a user whose scan is refused as offline. */
  lastPollError: { code: string; message: string } | undefined;
  pollTimer: NodeJS.Timeout | undefined;
  polling = false;
  removed = false;
  /** The gateway stopped watching this scanner (shutdown): its last word on it is `offline`. */
  released = false;
  /** A contact under way whose verdict commands wait for. */
  readonly contact = new ContactGate();

  constructor(
    public record: DeviceRecord,
    public driver: ScannerDriver,
    readonly queue: JobQueue,
  ) {}

  get id(): string {
    return this.record.id;
  }

  /** The primary endpoint the driver talks to. */
  get url(): string {
    return this.record.endpoints[0]?.url ?? '';
  }

  /** The public view used by bridge/devices and Home Assistant. */
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

  /** The retained state payload. */
  statePayload(): ScannerStatePayload {
    const running = this.queue.running;
    const status = !this.online || this.released ? 'offline' : running && !running.finished ? 'processing' : (this.status?.state ?? 'idle');
    return { status, adf: this.online ? (this.status?.adf ?? null) : null, job: running?.event ?? this.lastJob };
  }
}
