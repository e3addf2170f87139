import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobHistoryEntry } from '../../src/core/gateway-api.js';
import { HISTORY_FILE, JobHistory } from '../../src/jobs/history.js';

const logger = pino({ level: 'silent' });
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'scan2mqtt-history-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const entry = (i: number, scanner = 'office'): JobHistoryEntry => ({
  id: `job${i}`,
  scanner,
  state: i % 3 === 0 ? 'failed' : 'done',
  pages: i,
  files: [`/scans/${i}.pdf`],
  target_names: ['paperless'],
  profile: 'document',
  created_at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
  ...(i % 3 === 0 ? { error: { code: 'DeviceError' as const, message: 'jam' } } : {}),
});

describe('JobHistory', () => {
  it('keeps the newest N jobs, newest first, filtered by scanner and limit', async () => {
    const history = new JobHistory({ dataFolder: dir, maxJobs: 5, logger });
    await history.load();
    for (let i = 1; i <= 8; i++) await history.record(entry(i, i % 2 ? 'office' : 'lide'));
    expect(history.list().map((j) => j.id)).toEqual(['job8', 'job7', 'job6', 'job5', 'job4']);
    expect(history.list({ scanner: 'lide' }).map((j) => j.id)).toEqual(['job8', 'job6', 'job4']);
    expect(history.list({ limit: 2 }).map((j) => j.id)).toEqual(['job8', 'job7']);
    expect(history.list({ limit: 1000 })).toHaveLength(5);
  });

  it('survives a restart (atomic file in the data folder, no temp files left)', async () => {
    const first = new JobHistory({ dataFolder: dir, maxJobs: 10, logger });
    await first.load();
    for (let i = 1; i <= 3; i++) void first.record(entry(i));
    await first.close();
    expect(await readdir(dir)).toEqual([HISTORY_FILE]);
    const second = new JobHistory({ dataFolder: dir, maxJobs: 2, logger });
    await second.load();
    expect(second.list()).toEqual([entry(3), entry(2)]);
  });

  it('replaces an entry recorded twice and hands out copies', async () => {
    const history = new JobHistory({ dataFolder: dir, maxJobs: 10, logger });
    await history.record(entry(1));
    await history.record({ ...entry(1), state: 'cancelled' });
    const listed = history.list();
    expect(listed.map((j) => j.state)).toEqual(['cancelled']);
    listed[0]!.files.push('x');
    expect(history.list()[0]!.files).toEqual(['/scans/1.pdf']);
  });

  it.each([
    ['not JSON', '{oops'],
    ['wrong shape', '{"jobs": 5}'],
    ['hostile entries', JSON.stringify({ version: 1, jobs: [null, 1, 'x', { id: 1 }, { id: 'a', scanner: 's', state: 'done', created_at: 't', files: [] }] })],
  ])('starts fresh (keeping valid entries) from a %s file', async (_what, text) => {
    await writeFile(join(dir, HISTORY_FILE), text);
    const history = new JobHistory({ dataFolder: dir, maxJobs: 10, logger });
    await history.load();
    expect(history.list().every((j) => typeof j.id === 'string')).toBe(true);
    await history.record(entry(1));
    await history.close();
    expect(JSON.parse(await readFile(join(dir, HISTORY_FILE), 'utf8')).jobs[0].id).toBe('job1');
  });
});
