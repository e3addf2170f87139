/** The preferences service: each scanner's stored choices, checked against what it can do, completed for a bare scan. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScannerCapabilities } from '../../src/core/capabilities.js';
import { ScanError } from '../../src/core/errors.js';
import { PreferencesService } from '../../src/gateway/preferences-service.js';
import type { ScannerSnapshot } from '../../src/gateway/scanner-entry.js';
import { ScannerSettingsStore } from '../../src/gateway/scanner-settings-store.js';
import type { ScanProfile } from '../../src/profiles/profile.js';
import { FLATBED_CAPS, silentLogger } from './fake-driver.js';

let dataFolder: string;
beforeEach(async () => {
  dataFolder = await mkdtemp(join(tmpdir(), 'scan2mqtt-preferences-'));
});
afterEach(() => rm(dataFolder, { recursive: true, force: true }));

async function rig(capabilities: ScannerCapabilities | null = FLATBED_CAPS, profiles: ScanProfile[] = []) {
  const store = new ScannerSettingsStore({ dataFolder, logger: silentLogger });
  await store.load();
  const scanner = (id: string): ScannerSnapshot => {
    if (id !== 'office') throw new ScanError('NotFound', `no scanner with id "${id}"`);
    return { id, capabilities: capabilities ?? undefined } as ScannerSnapshot;
  };
  const service = new PreferencesService({ scanner, store, profiles: new Map(profiles.map((p) => [p.name, p])), scanDefaults: { format: 'pdf' } });
  return { service, store };
}

describe('preferences service', () => {
  it('keeps a valid choice and persists it, so a new run reads it back', async () => {
    const { service } = await rig();
    expect(service.get('office')).toEqual({});
    expect(service.set('office', 'resolution', 600)).toEqual({ resolution: 600 });
    expect(service.set('office', 'source', 'adf')).toEqual({ resolution: 600, source: 'adf' });
    await expect.poll(async () => {
      const store = new ScannerSettingsStore({ dataFolder, logger: silentLogger });
      await store.load();
      return store.preferences('office');
    }).toEqual({ resolution: 600, source: 'adf' });
  });

  it('refuses what the scanner cannot do, an unknown profile and an unknown scanner, and keeps the old choices', async () => {
    const { service } = await rig(FLATBED_CAPS, [{ name: 'archive', document: {}, targets: [] } as unknown as ScanProfile]);
    service.set('office', 'color_mode', 'gray');
    expect(() => service.set('office', 'resolution', 1200)).toThrow(/resolution "1200" is not available/);
    expect(() => service.set('office', 'source', 'adf_duplex')).toThrow(/source "adf_duplex" is not available/);
    expect(() => service.set('office', 'profile', 'nope')).toThrow(/unknown profile "nope"/);
    expect(service.set('office', 'profile', 'archive')).toEqual({ color_mode: 'gray', profile: 'archive' });
    expect(() => service.set('ghost', 'resolution', 300)).toThrow(expect.objectContaining({ code: 'NotFound' }));
    expect(() => service.get('ghost')).toThrow(expect.objectContaining({ code: 'NotFound' }));
    expect(service.get('office')).toEqual({ color_mode: 'gray', profile: 'archive' });
  });

  it('effective preferences complete the stored ones with scan.defaults and the device, and are the stored ones while capabilities are unknown', async () => {
    const { service } = await rig();
    service.set('office', 'resolution', 150);
    expect(service.effective('office')).toEqual({ source: 'platen', resolution: 150, color_mode: 'color', format: 'pdf' });
    const unknown = await rig(null);
    unknown.service.set('office', 'resolution', 150);
    expect(unknown.service.effective('office')).toEqual({ resolution: 150 });
  });
});
