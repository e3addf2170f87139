/**
 * A batch the device breaks off midway (jam, unplugged, page cut off) keeps the pages
 * that arrived whole, by default, and says so (`"partial": true`); an incomplete page
 * is never stored. Real runner, eSCL driver and simulator, real storage.
 */
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEsclDriver } from '../../src/protocols/escl/driver.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { createRunnerHarness, quietLogger, smallSettings, type RunnerHarness } from './runner-harness.js';

let harness: RunnerHarness;
let sim: EsclSimulator;
let driver: ReturnType<typeof createEsclDriver>;

beforeEach(async () => {
  harness = await createRunnerHarness();
  sim = new EsclSimulator({ adfPages: 5 });
  await sim.start();
  driver = createEsclDriver({ baseUrl: sim.baseUrl, logger: quietLogger, deviceLabel: 'sim', timing: { notReadyDelayMs: 10, busyRetryDelayMs: 10 } });
});
afterEach(async () => {
  await driver.close();
  await sim.stop();
  await harness.cleanup();
});

describe('a batch broken off by the device', () => {
  it('a jam after 2 pages: failed AdfJam, the 2 complete pages stored and listed with partial: true', async () => {
    sim.inject({ kind: 'jam', afterPages: 2 });
    const run = await harness.run(driver, smallSettings());
    expect(run.event.state).toBe('failed');
    expect(run.event.error?.code).toBe('AdfJam');
    expect(run.event.partial).toBe(true);
    expect(run.event.pages).toBe(2);
    expect(run.event.files).toHaveLength(2);
    expect([...run.event.files].sort()).toEqual(run.stored);
    for (const file of run.stored) expect((await sharp(file).metadata()).format).toBe('jpeg');
    expect(run.spooled).toEqual([]);
    expect(sim.undeletedJobs()).toEqual([]);
  });

  it('a page cut off mid-body after 2 pages: the 2 complete pages in one PDF, the cut one nowhere', async () => {
    sim.inject({ kind: 'cut-body', afterBytes: 2000, afterPages: 2 });
    const run = await harness.run(driver, smallSettings({ format: 'pdf' }));
    expect(run.event.state).toBe('failed');
    expect(run.event.partial).toBe(true);
    expect(run.event.files).toEqual(run.stored);
    expect(run.stored).toHaveLength(1);
    expect(execFileSync('pdfinfo', [run.stored[0]!]).toString()).toMatch(/Pages:\s+2\b/);
    expect(run.spooled).toEqual([]);
  });

  it('keepPartial off: the same break stores nothing', async () => {
    sim.inject({ kind: 'jam', afterPages: 2 });
    const run = await harness.run(driver, smallSettings(), { keepPartial: false });
    expect(run.event.state).toBe('failed');
    expect(run.event.partial).toBeUndefined();
    expect(run.event.files).toEqual([]);
    expect(run.stored).toEqual([]);
  });

  it('a break before any page completed stores nothing and is not partial', async () => {
    sim.inject({ kind: 'cut-body', afterBytes: 2000 });
    const run = await harness.run(driver, smallSettings());
    expect(run.event.state).toBe('failed');
    expect(run.event.partial).toBeUndefined();
    expect(run.stored).toEqual([]);
    expect(run.spooled).toEqual([]);
  });
});
