/** The job service: one queue per scanner shared by every submitter, each job writing into the sink its submitter chose. */
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../src/core/errors.js';
import type { JobEvent } from '../../src/core/job.js';
import type { JobHistoryEntry } from '../../src/core/gateway-api.js';
import type { JobSink } from '../../src/core/job-sink.js';
import { MAX_QUEUED_JOBS } from '../../src/jobs/job-queue.js';
import type { JobOutput } from '../../src/profiles/resolve-job.js';
import type { ScanProfile } from '../../src/profiles/profile.js';
import { JobService, type JobScanners } from '../../src/gateway/job-service.js';
import type { ScannerSnapshot } from '../../src/gateway/scanner-entry.js';
import { FakeDriver, FLATBED_CAPS, MemorySink, silentLogger } from './fake-driver.js';

const FINAL = ['done', 'failed', 'cancelled'];

/** One online scanner `office` on a fake driver, as the directory would show it. */
function rig(options: { profiles?: ScanProfile[]; online?: boolean } = {}) {
  const driver = new FakeDriver();
  const snapshot = {
    id: 'office',
    record: { id: 'office', key: 'uuid:x', protocol: 'escl', name: 'Office', endpoints: [], sources: new Set(), present: true },
    url: 'http://192.0.2.1/eSCL',
    capabilities: FLATBED_CAPS,
    capabilitiesConfirmed: true,
    status: { state: 'idle', adf: null },
    online: options.online ?? true,
    released: false,
    lastPollError: undefined,
    view: () => ({ id: 'office', name: 'Office', protocol: 'escl', url: 'http://192.0.2.1/eSCL', online: true }),
  } as ScannerSnapshot;
  const polls: string[] = [];
  const scanners: JobScanners = {
    require: (id) => {
      if (id !== 'office') throw new ScanError('NotFound', `no scanner with id "${id}"`);
      return snapshot;
    },
    reachable: async (id) => {
      const s = scanners.require(id);
      if (!s.online) throw new ScanError('DeviceOffline', `scanner ${id} is offline`);
      return s;
    },
    driverOf: () => driver,
    pollSoon: (id) => void polls.push(id),
  };
  const storage = new MemorySink();
  const outputs: JobOutput[] = [];
  const history: JobHistoryEntry[] = [];
  const errors: unknown[] = [];
  const service = new JobService({
    scanners,
    storageSink: (output): JobSink => {
      outputs.push(output);
      return storage;
    },
    preferences: () => ({}),
    profiles: new Map((options.profiles ?? []).map((p) => [p.name, p])),
    scanDefaults: { format: 'pdf' },
    history: { record: async (entry) => void history.push(entry), list: () => [...history].reverse() },
    reportError: (_id, error) => void errors.push(error),
    logger: silentLogger,
  });
  const events: JobEvent[] = [];
  service.on('job', (_id, event) => events.push(event));
  const ended = (jobId: string) =>
    new Promise<JobEvent>((resolve) => {
      const already = events.find((e) => e.id === jobId && FINAL.includes(e.state));
      if (already) return resolve(already);
      const check = (_id: string, event: JobEvent) => {
        if (event.id === jobId && FINAL.includes(event.state)) {
          service.off('job', check);
          resolve(event);
        }
      };
      service.on('job', check);
    });
  return { service, driver, storage, outputs, history, errors, events, polls, ended };
}

describe('job service', () => {
  it('stores a job by default, through the storage sink built from the job profile targets', async () => {
    const profile: ScanProfile = { name: 'archive', targets: ['paperless'], document: {} } as ScanProfile;
    const { service, storage, outputs, history, ended } = rig({ profiles: [profile] });
    const queued = await service.submit('office', { profile: 'archive' }, 'command');
    expect(queued.state).toBe('queued');
    const done = await ended(queued.id);
    expect(done).toMatchObject({ state: 'done', pages: 2 });
    expect(outputs).toEqual([expect.objectContaining({ profile: 'archive', targets: ['paperless'] })]);
    expect(storage.jobs.map((j) => j.pages)).toEqual([['page one', 'page two']]);
    await expect.poll(() => history).toEqual([expect.objectContaining({ id: queued.id, state: 'done', profile: 'archive', target_names: ['paperless'] })]);
  });

  it('sends a job to the sink its submitter chose, and storage gets nothing of it', async () => {
    const { service, storage, outputs, ended } = rig();
    const preview = new MemorySink();
    const queued = await service.submit('office', { resolution: 150 }, 'command', { sink: preview });
    expect(await ended(queued.id)).toMatchObject({ state: 'done', files: [] });
    expect(preview.jobs).toEqual([expect.objectContaining({ pages: ['page one', 'page two'], finished: true, aborted: false })]);
    expect(preview.jobs[0]?.job).toMatchObject({ id: queued.id, scannerId: 'office', scannerName: 'Office', settings: expect.objectContaining({ resolution: 150 }) });
    expect(storage.jobs).toEqual([]);
    // A job with its own sink does not even build the storage sink.
    expect(outputs).toEqual([]);
  });

  it('hands a button press’s deviceJob to the driver’s scan of that job only', async () => {
    const { service, driver, ended } = rig();
    const deviceJob = { protocol: 'wsd', scanIdentifier: 's1', destinationToken: 't1' };
    await ended((await service.submit('office', {}, 'button', { deviceJob })).id);
    await ended((await service.submit('office', {}, 'command')).id);
    expect(driver.deviceJobs).toEqual([deviceJob, undefined]);
  });

  it('runs jobs from different submitters (command, schedule, button, another sink) one at a time on the one device', async () => {
    const { service, driver, storage, history, ended } = rig();
    const other = new MemorySink();
    let release!: () => void;
    driver.gate = new Promise((resolve) => (release = resolve));
    const jobs = [
      await service.submit('office', {}, 'command'),
      await service.submit('office', {}, 'schedule', { schedule: 'nightly' }),
      await service.submit('office', {}, 'button'),
      await service.submit('office', {}, 'command', { sink: other }),
    ];
    expect(service.totals()).toEqual({ running: 1, queued: 3 });
    expect(service.isBusy('office')).toBe(true);
    release();
    const finals = await Promise.all(jobs.map((j) => ended(j.id)));
    expect(finals.map((e) => e.state)).toEqual(['done', 'done', 'done', 'done']);
    expect(driver.scans).toHaveLength(4);
    expect(driver.maxActive).toBe(1);
    expect(storage.jobs).toHaveLength(3);
    expect(other.jobs).toHaveLength(1);
    await expect.poll(() => history.find((h) => h.trigger === 'schedule')?.schedule).toBe('nightly');
    expect(service.isBusy('office')).toBe(false);
    expect(service.currentJob('office')?.id).toBe(jobs[3]?.id);
  });

  it('fails a job whose sink is not ready before the scanner moves paper', async () => {
    const { service, driver, errors, ended } = rig();
    const full = new MemorySink();
    full.refusal = new ScanError('InsufficientStorage', 'disk below the floor');
    const queued = await service.submit('office', {}, 'command', { sink: full });
    expect(await ended(queued.id)).toMatchObject({ state: 'failed', error: { code: 'InsufficientStorage' } });
    expect(driver.scans).toEqual([]);
    expect(full.jobs).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('refuses an unknown profile, an unknown scanner and an offline one before queueing anything', async () => {
    const { service, events } = rig();
    await expect(service.submit('office', { profile: 'nope' }, 'command')).rejects.toMatchObject({ code: 'InvalidRequest', message: 'unknown profile "nope"' });
    await expect(service.submit('ghost', {}, 'command')).rejects.toMatchObject({ code: 'NotFound' });
    const offline = rig({ online: false });
    await expect(offline.service.submit('office', {}, 'command')).rejects.toMatchObject({ code: 'DeviceOffline' });
    expect(events).toEqual([]);
    expect(() => service.cancel('ghost')).toThrow(/no scanner/);
  });

  it(`refuses a job beyond ${MAX_QUEUED_JOBS} waiting ones as DeviceBusy`, async () => {
    const { service, driver } = rig();
    driver.gate = new Promise(() => undefined);
    await service.submit('office', {}, 'command');
    for (let i = 0; i < MAX_QUEUED_JOBS; i++) await service.submit('office', {}, 'command');
    expect(service.totals()).toEqual({ running: 1, queued: MAX_QUEUED_JOBS });
    await expect(service.submit('office', {}, 'command')).rejects.toMatchObject({ code: 'DeviceBusy' });
    await service.stop();
    expect(service.totals()).toEqual({ running: 0, queued: 0 });
  });

  it('cancels a waiting job by id and the running one without', async () => {
    const { service, driver, ended } = rig();
    let release!: () => void;
    driver.gate = new Promise((resolve) => (release = resolve));
    const first = await service.submit('office', {}, 'command');
    const second = await service.submit('office', { id: 'mine' }, 'command');
    expect(second.id).toBe('mine');
    expect(service.cancel('office', 'mine')).toBe(true);
    expect((await ended('mine')).state).toBe('cancelled');
    expect(service.cancel('office')).toBe(true);
    release();
    expect((await ended(first.id)).state).toBe('cancelled');
    expect(service.cancel('office')).toBe(false);
  });

  it('a scanner that goes away has its jobs cancelled, and their events are no longer told', async () => {
    const { service, driver, events, storage } = rig();
    driver.gate = new Promise(() => undefined);
    const queued = await service.submit('office', {}, 'command');
    await expect.poll(() => events.some((e) => e.id === queued.id && e.state === 'scanning')).toBe(true);
    const told = events.length;
    await service.endJobs('office', 'scanner removed');
    expect(events).toHaveLength(told);
    expect(service.isBusy('office')).toBe(false);
    expect(service.currentJob('office')).toBeNull();
    expect(storage.jobs[0]?.aborted).toBe(true);
  });
});
