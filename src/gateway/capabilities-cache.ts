/**
 * The last capabilities each scanner reported, kept in the data folder so that after a restart
 * a known scanner is published whole at once (Home Assistant gets its selects and feeder
 * entities in the first discovery payload) while the device itself is still being asked.
 */
import { join } from 'node:path';
import { COLOR_MODES, DOCUMENT_FORMATS, SCAN_SOURCES, type ProtocolName, type ScannerCapabilities } from '../core/capabilities.js';
import { DEVICE_EVENT_KINDS } from '../core/device-events.js';
import type { Logger } from '../core/logger.js';
import { readJsonFile, writeJsonFileAtomic } from '../persistence/json-file.js';

/** File name inside the data folder. */
export const CAPABILITIES_FILE = 'capabilities.json';
/** Scanners remembered at most; the one seen longest ago is forgotten first (mDNS finds come and go). */
export const MAX_CACHED_SCANNERS = 256;

interface CachedEntry {
  seen_at: string;
  capabilities: ScannerCapabilities;
}

/** The file's shape; `version` lets a later format be told apart. */
interface StoredCapabilities {
  version: 1;
  scanners: Record<string, CachedEntry>;
}

/** Options of the cache. */
export interface CapabilitiesCacheOptions {
  dataFolder: string;
  logger: Logger;
  /** Names of the protocols the gateway speaks: capabilities of any other are not kept. */
  protocols: readonly ProtocolName[];
  /** Overrides MAX_CACHED_SCANNERS. */
  maxScanners?: number;
}

/** Loads once, keeps in memory, writes through (atomically, serialised) when a scanner's capabilities change. */
export class CapabilitiesCache {
  private scanners = new Map<string, CachedEntry>();
  private writing: Promise<void> = Promise.resolve();
  private readonly path: string;

  constructor(private readonly options: CapabilitiesCacheOptions) {
    this.path = join(options.dataFolder, CAPABILITIES_FILE);
  }

  /** Reads the file; a corrupt file or entry is logged and dropped rather than stopping the gateway. */
  async load(): Promise<void> {
    let stored: unknown;
    try {
      stored = await readJsonFile<unknown>(this.path, { version: 1, scanners: {} });
    } catch (error) {
      this.options.logger.warn({ err: error, path: this.path }, 'kept capabilities unreadable; scanners are asked afresh');
      return;
    }
    const scanners = (stored as Partial<StoredCapabilities> | null)?.scanners;
    if (typeof scanners !== 'object' || scanners === null) return;
    for (const [id, entry] of Object.entries(scanners)) {
      if (isCachedEntry(entry, this.options.protocols)) this.scanners.set(id, entry);
      else this.options.logger.warn({ scanner: id, path: this.path }, 'kept capabilities of this scanner are not usable; ignored');
    }
    this.trim();
  }

  /** The last capabilities a scanner reported, if any. */
  get(scannerId: string): ScannerCapabilities | undefined {
    return this.scanners.get(scannerId)?.capabilities;
  }

  /** Remembers what a scanner reported just now; writes only when that differs from what was kept. */
  remember(scannerId: string, capabilities: ScannerCapabilities): Promise<void> {
    const known = this.scanners.get(scannerId);
    const unchanged = known !== undefined && JSON.stringify(known.capabilities) === JSON.stringify(capabilities);
    this.scanners.delete(scannerId);
    this.scanners.set(scannerId, { seen_at: new Date().toISOString(), capabilities });
    if (unchanged) return this.writing;
    this.trim();
    return this.persist();
  }

  /** Forgets a scanner (removed by the user, or merged into another record). */
  forget(scannerId: string): Promise<void> {
    if (!this.scanners.delete(scannerId)) return this.writing;
    return this.persist();
  }

  /** Waits for pending writes. */
  flush(): Promise<void> {
    return this.writing;
  }

  private trim(): void {
    const max = this.options.maxScanners ?? MAX_CACHED_SCANNERS;
    const byAge = [...this.scanners.entries()].sort(([, a], [, b]) => a.seen_at.localeCompare(b.seen_at));
    for (const [id] of byAge.slice(0, Math.max(0, byAge.length - max))) this.scanners.delete(id);
  }

  private persist(): Promise<void> {
    const snapshot: StoredCapabilities = { version: 1, scanners: Object.fromEntries(this.scanners) };
    this.writing = this.writing
      .then(() => writeJsonFileAtomic(this.path, snapshot))
      .catch((error: unknown) => this.options.logger.error({ err: error, path: this.path }, 'could not keep scanner capabilities'));
    return this.writing;
  }
}

function isCachedEntry(value: unknown, protocols: readonly ProtocolName[]): value is CachedEntry {
  const entry = value as Partial<CachedEntry> | null;
  return typeof entry === 'object' && entry !== null && typeof entry.seen_at === 'string' && isScannerCapabilities(entry.capabilities, protocols);
}

/** A structural check of kept capabilities: an older or damaged file must not reach the HA payloads. */
export function isScannerCapabilities(value: unknown, protocols: readonly ProtocolName[]): value is ScannerCapabilities {
  const caps = value as Partial<ScannerCapabilities> | null;
  if (typeof caps !== 'object' || caps === null || !protocols.includes(caps.protocol as never)) return false;
  if (typeof caps.sources !== 'object' || caps.sources === null) return false;
  const sources = Object.entries(caps.sources);
  if (sources.length === 0 || !sources.every(([name, source]) => SCAN_SOURCES.includes(name as never) && isSource(source))) return false;
  const texts = [caps.manufacturer, caps.model, caps.serial, caps.firmware, caps.uuid, caps.admin_url];
  if (!texts.every((t) => t === undefined || typeof t === 'string')) return false;
  if (caps.events !== undefined && !(Array.isArray(caps.events) && caps.events.every((e) => DEVICE_EVENT_KINDS.includes(e)))) return false;
  return caps.buttons === undefined || (Array.isArray(caps.buttons) && caps.buttons.every((b) => typeof b === 'string'));
}

function isSource(value: unknown): boolean {
  const source = value as Record<string, unknown> | null;
  if (typeof source !== 'object' || source === null) return false;
  const positive = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n > 0;
  const listOf = (list: unknown, ok: (item: unknown) => boolean) => Array.isArray(list) && list.every(ok);
  return (
    listOf(source.resolutions, positive) &&
    listOf(source.color_modes, (m) => COLOR_MODES.includes(m as never)) &&
    listOf(source.formats, (f) => DOCUMENT_FORMATS.includes(f as never)) &&
    positive(source.max_width_mm) &&
    positive(source.max_height_mm)
  );
}
