/** Per-scanner scan preferences (what a Home Assistant select or a bare `{}` scan uses): stored, checked, completed. */
import type { ScanPreferences } from '../core/gateway-api.js';
import type { ScanSettings } from '../core/settings.js';
import type { ScanProfile } from '../profiles/profile.js';
import { effectiveChoices } from '../profiles/resolve-job.js';
import { checkPreference } from './preferences.js';
import type { ScannerSnapshot } from './scanner-entry.js';
import type { ScannerSettingsStore } from './scanner-settings-store.js';

/** What the preferences service is built from. */
export interface PreferencesServiceDeps {
  /** The scanner (throws NotFound for an unknown one). */
  scanner: (id: string) => ScannerSnapshot;
  store: Pick<ScannerSettingsStore, 'preferences' | 'setPreferences'>;
  profiles: ReadonlyMap<string, ScanProfile>;
  scanDefaults: Partial<ScanSettings>;
}

/** Owns the preferences of every scanner (persisted by the settings store). */
export class PreferencesService {
  constructor(private readonly deps: PreferencesServiceDeps) {}

  /** The scanner's persisted preferences, used when a command omits a field. */
  get(scannerId: string): ScanPreferences {
    this.deps.scanner(scannerId);
    return this.stored(scannerId);
  }

  /** The stored preferences without checking that the scanner exists (the job service has just done so). */
  stored(scannerId: string): ScanPreferences {
    return this.deps.store.preferences(scannerId);
  }

  /**
   * What a bare `{}` scan would use now: the stored choices completed by the preferred profile,
   * `scan.defaults` and the device's defaults (the stored choices alone while capabilities are unknown).
   */
  effective(scannerId: string): ScanPreferences {
    const scanner = this.deps.scanner(scannerId);
    const stored = this.stored(scannerId);
    if (!scanner.capabilities) return stored;
    try {
      return effectiveChoices({ profiles: this.deps.profiles, preferences: stored, scanDefaults: this.deps.scanDefaults, caps: scanner.capabilities });
    } catch {
      // A `{}` scan would be refused (say a profile with adapt: refuse): show the choices as stored.
      return stored;
    }
  }

  /** Changes one preference (validated against the scanner's capabilities and the profiles) and persists it. */
  set<K extends keyof ScanPreferences>(scannerId: string, key: K, value: ScanPreferences[K]): ScanPreferences {
    const scanner = this.deps.scanner(scannerId);
    checkPreference(key, value, scanner.capabilities, this.profileNames());
    const next = { ...this.stored(scannerId), [key]: value };
    void this.deps.store.setPreferences(scannerId, next);
    return next;
  }

  /** Names of the configured profiles. */
  profileNames(): string[] {
    return [...this.deps.profiles.keys()];
  }
}
