/** An in-test GatewayApi: scanners, preferences and events held in memory. */
import { FakeGatewayBase } from '../helpers/fake-gateway-base.js';
import { ScanError } from '../../src/core/errors.js';
import type {
  GatewayApi,
  HealthReport,
  ScanPreferences,
  ScannerStatePayload,
  ScannerView,
} from '../../src/core/gateway-api.js';
import type { JobEvent } from '../../src/core/job.js';
import { effectiveChoices } from '../../src/profiles/resolve-job.js';

/** Records setPreference calls and lets tests emit gateway events. */
export class FakeGateway extends FakeGatewayBase implements GatewayApi {
  readonly scanners = new Map<string, ScannerView>();
  readonly states = new Map<string, ScannerStatePayload>();
  readonly preferences = new Map<string, ScanPreferences>();
  readonly setCalls: { id: string; key: string; value: unknown }[] = [];
  profiles: string[] = [];

  constructor(views: ScannerView[] = []) {
    super();
    for (const view of views) this.scanners.set(view.id, view);
  }

  /** Adds or replaces a scanner and emits scannerAdded/scannerChanged like the registry. */
  put(view: ScannerView): void {
    const known = this.scanners.has(view.id);
    this.scanners.set(view.id, view);
    this.emit(known ? 'scannerChanged' : 'scannerAdded', view);
  }

  /** Removes a scanner and emits scannerRemoved. */
  drop(id: string): void {
    const view = this.scanners.get(id);
    if (!view) return;
    this.scanners.delete(id);
    this.emit('scannerRemoved', view);
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
  submitScan(): Promise<JobEvent> {
    return Promise.reject(new ScanError('Unsupported', 'not in this fake'));
  }
  cancelJob(): boolean {
    return false;
  }
  async discoverNow(): Promise<void> {}
  removeScanner(id: string): boolean {
    const had = this.scanners.has(id);
    this.drop(id);
    return had;
  }
  renameScanner(id: string): ScannerView {
    const view = this.scanners.get(id);
    if (!view) throw new ScanError('NotFound', id);
    return view;
  }
  health(): HealthReport {
    return { uptime_s: 0, scanners: { total: 0, online: 0 }, queue: { running: 0, queued: 0 }, last_errors: [], memory_rss_mb: 0 };
  }
  getPreferences(id: string): ScanPreferences {
    return { ...(this.preferences.get(id) ?? {}) };
  }
  /** The real planner over the fake's stored choices, as the gateway does it. */
  effectivePreferences(id: string): ScanPreferences {
    const caps = this.scanners.get(id)?.capabilities;
    const stored = this.getPreferences(id);
    return caps ? effectiveChoices({ profiles: new Map(), preferences: stored, scanDefaults: {}, caps }) : stored;
  }
  setPreference<K extends keyof ScanPreferences>(id: string, key: K, value: ScanPreferences[K]): ScanPreferences {
    this.setCalls.push({ id, key, value });
    const view = this.scanners.get(id);
    if (!view) throw new ScanError('NotFound', `no scanner ${id}`);
    if (key === 'resolution') {
      const ok = Object.values(view.capabilities?.sources ?? {}).some((s) => s.resolutions.includes(value as number));
      if (!ok) throw new ScanError('Unsupported', `resolution ${String(value)} not supported`);
    }
    const next = { ...this.getPreferences(id), [key]: value };
    this.preferences.set(id, next);
    return next;
  }
  listProfiles(): string[] {
    return [...this.profiles];
  }
}
