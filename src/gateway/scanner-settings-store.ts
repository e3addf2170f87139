/**
 * What users choose per scanner and expect to survive restarts: scan preferences
 * (Home Assistant selects) and renames. One JSON file in the data folder.
 */
import { join } from 'node:path';
import type { ScanPreferences } from '../core/gateway-api.js';
import type { Logger } from '../core/logger.js';
import { readJsonFile, writeJsonFileAtomic } from '../persistence/json-file.js';

/** The file's shape: per scanner id, preferences; per device key, the user's name for it. */
interface StoredScannerSettings {
  preferences: Record<string, ScanPreferences>;
  names: Record<string, string>;
}

/** File name inside the data folder. */
export const SCANNER_SETTINGS_FILE = 'scanners.json';

/** Loads once, keeps in memory, writes through on every change (changes are rare). */
export class ScannerSettingsStore {
  private data: StoredScannerSettings = { preferences: {}, names: {} };
  private writing: Promise<void> = Promise.resolve();
  private readonly path: string;

  constructor(private readonly deps: { dataFolder: string; logger: Logger }) {
    this.path = join(deps.dataFolder, SCANNER_SETTINGS_FILE);
  }

  /** Reads the file; a corrupt file is logged and replaced rather than stopping the gateway. */
  async load(): Promise<void> {
    try {
      const loaded = await readJsonFile<Partial<StoredScannerSettings>>(this.path, {});
      this.data = { preferences: loaded.preferences ?? {}, names: loaded.names ?? {} };
    } catch (error) {
      this.deps.logger.error({ err: error, path: this.path }, 'scanner settings file unreadable; starting with defaults');
    }
  }

  /** Preferences of one scanner (empty when none were chosen). */
  preferences(scannerId: string): ScanPreferences {
    return { ...(this.data.preferences[scannerId] ?? {}) };
  }

  /** Replaces a scanner's preferences and persists them. */
  async setPreferences(scannerId: string, preferences: ScanPreferences): Promise<void> {
    this.data.preferences[scannerId] = preferences;
    await this.persist();
  }

  /** The user's name for a device key, if renamed. */
  nameFor(deviceKey: string): string | undefined {
    return this.data.names[deviceKey];
  }

  /** Records a rename and moves preferences to the new id. */
  async rename(deviceKey: string, oldId: string, newName: string, newId: string): Promise<void> {
    this.data.names[deviceKey] = newName;
    const prefs = this.data.preferences[oldId];
    if (prefs && oldId !== newId) {
      this.data.preferences[newId] = prefs;
      delete this.data.preferences[oldId];
    }
    await this.persist();
  }

  /** Forgets a scanner's preferences (device removed). */
  async forget(scannerId: string): Promise<void> {
    delete this.data.preferences[scannerId];
    await this.persist();
  }

  private persist(): Promise<void> {
    // Serialise writes so an older snapshot never lands after a newer one.
    const snapshot = JSON.parse(JSON.stringify(this.data)) as StoredScannerSettings;
    this.writing = this.writing
      .then(() => writeJsonFileAtomic(this.path, snapshot))
      .catch((error: unknown) => this.deps.logger.error({ err: error, path: this.path }, 'could not save scanner settings'));
    return this.writing;
  }
}
