import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/core/job.js';
import { lastScanSummaryOf } from '../../src/mqtt/last-scan.js';
import { createNaming, toObjectId } from '../../src/homeassistant/naming.js';
import { selectOptionsFor } from '../../src/homeassistant/select-options.js';
import { adfDuplex, saneWithButtons } from './views.js';

const job = (over: Partial<JobEvent>): JobEvent => ({
  id: 'j', scanner: 's', state: 'done', pages: 1, files: [], created_at: '2025-01-01T00:00:00Z', ...over,
});

describe('naming', () => {
  it('keeps discovery object ids to [a-zA-Z0-9_-] whatever the base topic or instance id', () => {
    const naming = createNaming({ baseTopic: 'home/scan 2/', discoveryPrefix: 'homeassistant/', instanceId: 'Büro #1' });
    expect(naming.bridgeDiscoveryTopic).toBe('homeassistant/device/home_scan_2_b_ro_1_bridge/config');
    expect(naming.scannerTopics('office').set('resolution')).toBe('home/scan 2/office/set/resolution');
    expect(toObjectId('///')).toBe('scan2mqtt');
  });
});

describe('select options', () => {
  it('drops nonsense resolutions and single-choice selects', () => {
    const caps = structuredClone(adfDuplex.capabilities!);
    caps.sources = { platen: { ...caps.sources.platen!, resolutions: [300, Number.NaN, -5, 0, 300], color_modes: ['gray'] } };
    expect(selectOptionsFor(caps, [])).toEqual({ format: ['pdf', 'jpeg'] });
  });

  it('unions every source and keeps the canonical order', () => {
    expect(selectOptionsFor(saneWithButtons.capabilities, ['a', 'a', 'b'])).toEqual({
      resolution: ['75', '100', '150', '200', '300', '400', '600', '1200', '2400'],
      color_mode: ['color', 'gray', 'bw'],
      format: ['pdf', 'jpeg', 'png', 'tiff'],
      profile: ['a', 'b'],
    });
  });
});

describe('last scan summary', () => {
  it('summarises only finished jobs, taking the last stored file', () => {
    expect(lastScanSummaryOf(job({ state: 'scanning' }))).toBeUndefined();
    expect(lastScanSummaryOf(job({ state: 'failed', finished_at: '2025-01-01T00:01:00Z' }))).toBeUndefined();
    expect(lastScanSummaryOf(null)).toBeUndefined();
    expect(lastScanSummaryOf(job({ pages: 4, files: ['/a.pdf', '/b.pdf'], finished_at: '2025-01-01T00:02:00Z' }))).toEqual({
      finished_at: '2025-01-01T00:02:00Z', pages: 4, file: '/b.pdf', files: ['/a.pdf', '/b.pdf'], job: 'j',
    });
    expect(lastScanSummaryOf(job({ stored: [{ path: '/c.png', format: 'png', bytes: 1, pages: 1 }] }))?.file).toBe('/c.png');
    expect(lastScanSummaryOf(job({}))?.file).toBeNull();
  });
});
