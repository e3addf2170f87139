/** The preview policy: a job that ends done gets a small JPEG of its last page as the scanner's preview. */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayEvents } from '../../src/core/gateway-api.js';
import type { JobEvent } from '../../src/core/job.js';
import { createJobPreviews } from '../../src/jobs/job-previews.js';
import { makePreview, PREVIEW_WIDTH_PX } from '../../src/jobs/preview.js';

/** The gateway's job events and its preview report, as the previews see them. */
class GatewayPort {
  readonly events = new EventEmitter();
  readonly previews: { scannerId: string; jpeg: Buffer }[] = [];
  on<E extends keyof GatewayEvents>(event: E, listener: GatewayEvents[E]) {
    this.events.on(event, listener as never);
  }
  off<E extends keyof GatewayEvents>(event: E, listener: GatewayEvents[E]) {
    this.events.off(event, listener as never);
  }
  reportPreview(scannerId: string, jpeg: Buffer) {
    this.previews.push({ scannerId, jpeg });
  }
}

let folder: string;
let page: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'scan2mqtt-previews-'));
  page = join(folder, 'page.png');
  await sharp({ create: { width: 1700, height: 2200, channels: 3, background: '#d0e0f0' } }).png().toFile(page);
});
afterEach(() => rm(folder, { recursive: true, force: true }));

const jobEvent = (state: JobEvent['state'], stored = [{ path: page, format: 'png', pages: 1, bytes: 1 }]): JobEvent => ({
  id: 'job-1',
  scanner: 'office',
  state,
  pages: 1,
  files: [page],
  stored,
  created_at: '2026-01-01T00:00:00Z',
});

describe('job previews', () => {
  it('publishes a JPEG of the last page, at most 480 px wide, for a job that ends done', async () => {
    const gateway = new GatewayPort();
    const previews = createJobPreviews(gateway, pino({ level: 'silent' }));
    await previews.start?.();
    gateway.events.emit('job', 'office', jobEvent('storing'));
    gateway.events.emit('job', 'office', jobEvent('done'));
    await expect.poll(() => gateway.previews.length).toBe(1);
    const meta = await sharp(gateway.previews[0]!.jpeg).metadata();
    expect({ scanner: gateway.previews[0]!.scannerId, format: meta.format, width: meta.width }).toEqual({ scanner: 'office', format: 'jpeg', width: PREVIEW_WIDTH_PX });
  });

  it('makes none for a failed job, for a job that stored nothing, or once stopped', async () => {
    const gateway = new GatewayPort();
    const asked: number[] = [];
    const counting: typeof makePreview = (stored) => {
      asked.push(stored.length);
      return makePreview(stored);
    };
    const previews = createJobPreviews(gateway, pino({ level: 'silent' }), counting);
    await previews.start?.();
    gateway.events.emit('job', 'office', jobEvent('failed'));
    gateway.events.emit('job', 'office', jobEvent('done', []));
    await previews.stop?.();
    gateway.events.emit('job', 'office', jobEvent('done'));
    // Only the done job with no files was looked at, and it has no page to show.
    expect(asked).toEqual([0]);
    await expect(makePreview([])).resolves.toBeUndefined();
    expect(gateway.previews).toEqual([]);
    expect(gateway.events.listenerCount('job')).toBe(0);
  });
});
