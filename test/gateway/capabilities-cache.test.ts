/** The kept capabilities file: survives a restart, shrugs off damaged content, stays bounded. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ScannerCapabilities } from '../../src/core/capabilities.js';
import { CAPABILITIES_FILE, CapabilitiesCache, MAX_CACHED_SCANNERS, isScannerCapabilities } from '../../src/gateway/capabilities-cache.js';
import { PROTOCOL_MODULES } from '../../src/protocols/index.js';
import { adfDuplex, saneWithButtons } from '../homeassistant/views.js';

const PROTOCOLS = PROTOCOL_MODULES.map((m) => m.name);

const logger = pino({ level: 'silent' });
const ESCL = adfDuplex.capabilities!;
const SANE = saneWithButtons.capabilities!;
let folder: string;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'scan2mqtt-caps-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function reloaded(): Promise<CapabilitiesCache> {
  const cache = new CapabilitiesCache({ dataFolder: folder, logger, protocols: PROTOCOLS });
  await cache.load();
  return cache;
}

describe('capabilities cache', () => {
  it('gives a restarted gateway what each scanner last reported, and forgets removed ones', async () => {
    const cache = await reloaded();
    await cache.remember('office', ESCL);
    await cache.remember('lide', SANE);
    await cache.remember('office', { ...ESCL, firmware: '2.0' });
    const again = await reloaded();
    expect(again.get('office')).toEqual({ ...ESCL, firmware: '2.0' });
    expect(again.get('lide')).toEqual(SANE);
    await again.forget('lide');
    expect((await reloaded()).get('lide')).toBeUndefined();
  });

  it('starts empty on a missing, corrupt or foreign file, and replaces it on the next change', async () => {
    expect((await reloaded()).get('office')).toBeUndefined();
    for (const content of ['{"version":1,"scann', '[]', 'null', '{"scanners":"x"}', '{"scanners":{"office":null}}']) {
      await writeFile(join(folder, CAPABILITIES_FILE), content);
      const cache = await reloaded();
      expect(cache.get('office'), content).toBeUndefined();
      await cache.remember('office', ESCL);
      expect((await reloaded()).get('office'), content).toEqual(ESCL);
    }
  });

  it('drops entries that are not usable capabilities and keeps the good ones', async () => {
    const platen = ESCL.sources.platen!;
    const bad: unknown[] = [
      { ...ESCL, protocol: 'fax' },
      { ...ESCL, sources: {} },
      { ...ESCL, sources: { tray9: platen } },
      { ...ESCL, sources: { platen: { ...platen, resolutions: [-300] } } },
      { ...ESCL, sources: { platen: { ...platen, color_modes: ['sepia'] } } },
      { ...ESCL, sources: { platen: { ...platen, formats: 'pdf' } } },
      { ...ESCL, sources: { platen: { ...platen, max_width_mm: Number.NaN } } },
      { ...ESCL, model: 42 },
      { ...ESCL, buttons: [{}] },
      'text',
    ];
    for (const caps of bad) expect(isScannerCapabilities(caps, PROTOCOLS), JSON.stringify(caps)).toBe(false);
    const scanners = Object.fromEntries([...bad.map((caps, i) => [`bad${i}`, { seen_at: '2025-01-01T00:00:00Z', capabilities: caps }]), ['good', { seen_at: '2025-01-01T00:00:00Z', capabilities: ESCL }], ['undated', { capabilities: ESCL }]]);
    await writeFile(join(folder, CAPABILITIES_FILE), JSON.stringify({ version: 1, scanners }));
    const cache = await reloaded();
    expect(cache.get('good')).toEqual(ESCL);
    for (const id of [...bad.keys()].map((i) => `bad${i}`).concat('undated')) expect(cache.get(id), id).toBeUndefined();
  });

  it(`keeps at most ${MAX_CACHED_SCANNERS} scanners, forgetting the one reported longest ago`, async () => {
    const cache = await reloaded();
    for (let i = 0; i <= MAX_CACHED_SCANNERS; i++) void cache.remember(`s${i}`, ESCL);
    // Reported again: now the most recent, so it stays.
    await cache.remember('s0', ESCL);
    await cache.remember('one-more', SANE);
    await cache.flush();
    const again = await reloaded();
    expect(again.get('s0')).toEqual(ESCL);
    expect(again.get('s1')).toBeUndefined();
    expect(again.get('s2')).toBeUndefined();
    expect(again.get('s3')).toEqual(ESCL);
    expect(again.get('one-more')).toEqual(SANE);
    const stored = JSON.parse(await readFile(join(folder, CAPABILITIES_FILE), 'utf8')) as { scanners: Record<string, ScannerCapabilities> };
    expect(Object.keys(stored.scanners)).toHaveLength(MAX_CACHED_SCANNERS);
  });
});
