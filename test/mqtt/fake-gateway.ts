/** An in-memory GatewayApi for MQTT tests: real core validation (commands, names), no devices. Records calls. */
import { FakeGatewayBase } from '../helpers/fake-gateway-base.js';
import { ScanError } from '../../src/core/errors.js';
import type {
  GatewayApi,
  HealthReport,
  ScanPreferences,
  ScanTrigger,
  ScannerStatePayload,
  ScannerView,
} from '../../src/core/gateway-api.js';
import type { JobEvent } from '../../src/core/job.js';
import { parseScanCommand } from '../../src/core/commands.js';
import { resolveScanSettings } from '../../src/core/validate.js';
import { checkScannerName } from '../../src/core/scanner-name.js';

/** A scanner view with sensible test defaults. */
export function makeView(id: string, overrides: Partial<ScannerView> = {}): ScannerView {
  return {
    id,
    name: `Scanner ${id}`,
    manufacturer: 'ACME',
    model: 'Scan 1',
    protocol: 'escl',
    url: `http://192.0.2.7:8080/${id}/eSCL`,
    online: true,
    capabilities: {
      protocol: 'escl',
      sources: {
        platen: { resolutions: [150, 300], color_modes: ['color', 'gray'], formats: ['pdf', 'jpeg'], max_width_mm: 215.9, max_height_mm: 297 },
      },
    },
    ...overrides,
  };
}

/** The recorded call of submitScan. */
export interface SubmitCall {
  scannerId: string;
  command: unknown;
  trigger: ScanTrigger;
}

/** Implements the interface with a Map of scanners and an EventEmitter; tests drive events with emit(). */
export class FakeGateway extends FakeGatewayBase implements GatewayApi {
  readonly scanners = new Map<string, ScannerView>();
  readonly states = new Map<string, ScannerStatePayload>();
  readonly submits: SubmitCall[] = [];
  readonly cancels: { scannerId: string; jobId: string | undefined }[] = [];
  discoverCalls = 0;
  private jobCounter = 0;

  add(view: ScannerView, state?: ScannerStatePayload): void {
    this.scanners.set(view.id, view);
    if (state) this.states.set(view.id, state);
  }

  listScanners(): ScannerView[] {
    return [...this.scanners.values()];
  }
  getScanner(id: string): ScannerView | undefined {
    return this.scanners.get(id);
  }
  getState(id: string): ScannerStatePayload | undefined {
    return this.states.get(id);
  }
  async submitScan(scannerId: string, command: unknown, trigger: ScanTrigger): Promise<JobEvent> {
    this.submits.push({ scannerId, command, trigger });
    const view = this.scanners.get(scannerId);
    if (!view) throw new ScanError('NotFound', `no scanner with id ${scannerId}`);
    if (!view.online) throw new ScanError('DeviceOffline', `${scannerId} is offline`);
    const request = parseScanCommand(command);
    if (!view.capabilities) throw new ScanError('DeviceOffline', `${scannerId} has no capabilities yet`);
    const settings = resolveScanSettings(request, view.capabilities);
    const event: JobEvent = {
      id: request.id ?? `job${++this.jobCounter}`,
      scanner: scannerId,
      state: 'queued',
      pages: 0,
      files: [],
      settings,
      trigger,
      created_at: new Date().toISOString(),
    };
    this.emit('job', scannerId, event);
    return event;
  }
  cancelJob(scannerId: string, jobId?: string): boolean {
    this.cancels.push({ scannerId, jobId });
    return this.scanners.has(scannerId);
  }
  async discoverNow(): Promise<void> {
    this.discoverCalls++;
  }
  removeScanner(id: string): boolean {
    const view = this.scanners.get(id);
    if (!view) return false;
    this.scanners.delete(id);
    this.states.delete(id);
    this.emit('scannerRemoved', view);
    return true;
  }
  renameScanner(id: string, name: string): ScannerView {
    const view = this.scanners.get(id);
    if (!view) throw new ScanError('NotFound', `no scanner with id ${id}`);
    const renamed = { ...view, name: checkScannerName(name) };
    this.scanners.set(id, renamed);
    this.emit('scannerChanged', renamed);
    return renamed;
  }
  health(): HealthReport {
    return {
      uptime_s: 1,
      scanners: { total: this.scanners.size, online: this.listScanners().filter((v) => v.online).length },
      queue: { running: 0, queued: 0 },
      last_errors: [],
      memory_rss_mb: 1,
    };
  }
  getPreferences(): ScanPreferences {
    return {};
  }
  effectivePreferences(): ScanPreferences {
    return {};
  }
  setPreference<K extends keyof ScanPreferences>(_id: string, key: K, value: ScanPreferences[K]): ScanPreferences {
    return { [key]: value };
  }
  /** Profile names listProfiles answers. */
  profiles: string[] = [];
  listProfiles(): string[] {
    return this.profiles;
  }
}
