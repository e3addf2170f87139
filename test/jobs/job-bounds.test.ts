/**
 * The bounds of one job, through the real runner, real drivers and real storage: an ADF
 * that never runs out, a job that sends too many bytes, a page trickling in. Each bound
 * cancels the job on the device (eSCL DELETE, SANE CANCEL) and stores nothing.
 * The limits are small here so the tests are quick; the defaults are checked in
 * test/config/job-bounds-config.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEsclDriver } from '../../src/protocols/escl/driver.js';
import { createSaneDriver } from '../../src/protocols/sane/index.js';
import { EsclSimulator } from '../sim/escl/index.js';
import { RPC, dataStream, startFakeDataPort, startFakeSaned, wellBehaved, type FakeSaned } from '../sim/saned/fake-saned.js';
import { createRunnerHarness, quietLogger, smallSettings, type RunnerHarness } from './runner-harness.js';

/** Small enough to make a bound test quick; a whole 60 × 60 mm page is far more than one grace time's worth. */
const TIGHT_THROUGHPUT = { minPageBytesPerSecond: 20_000, pageGraceMs: 300 };

let harness: RunnerHarness;
let cleanup: (() => Promise<void>)[] = [];
beforeEach(async () => {
  harness = await createRunnerHarness();
});
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
  await harness.cleanup();
});

async function simulator(adfPages = 5): Promise<{ sim: EsclSimulator; driver: ReturnType<typeof createEsclDriver> }> {
  const sim = new EsclSimulator({ adfPages });
  await sim.start();
  const driver = createEsclDriver({ baseUrl: sim.baseUrl, logger: quietLogger, deviceLabel: 'sim' });
  cleanup.push(() => sim.stop(), () => driver.close());
  return { sim, driver };
}

describe('job bounds over eSCL', () => {
  it('an ADF that never reports empty stops past scan.max_pages: LimitExceeded, nothing stored, the device job deleted', async () => {
    const { sim, driver } = await simulator(1);
    sim.inject({ kind: 'endless-adf' });
    const run = await harness.run(driver, smallSettings(), { bounds: { maxPages: 3 } });
    expect(run.event.state).toBe('failed');
    expect(run.event.error?.code).toBe('LimitExceeded');
    expect(run.event.error?.message).toMatch(/more than 3 pages/);
    expect(run.event.files).toEqual([]);
    expect(run.event.partial).toBeUndefined();
    expect(run.stored).toEqual([]);
    expect(run.spooled).toEqual([]);
    expect(sim.jobs).toHaveLength(1);
    expect(sim.undeletedJobs()).toEqual([]);
  }, 30_000);

  it('a batch of exactly scan.max_pages pages is done', async () => {
    const { driver } = await simulator(3);
    const run = await harness.run(driver, smallSettings(), { bounds: { maxPages: 3 } });
    expect(run.event.state, JSON.stringify(run.event.error)).toBe('done');
    expect(run.stored).toHaveLength(3);
  });

  it('a job that sends more bytes than the total bound fails LimitExceeded and stores nothing', async () => {
    const { sim, driver } = await simulator(1);
    sim.inject({ kind: 'endless-adf' });
    const run = await harness.run(driver, smallSettings(), { bounds: { maxJobBytes: 4096 } });
    expect(run.event.state).toBe('failed');
    expect(run.event.error?.code).toBe('LimitExceeded');
    expect(run.event.error?.message).toMatch(/more than 4096 bytes/);
    expect(run.stored).toEqual([]);
    expect(run.spooled).toEqual([]);
    expect(sim.undeletedJobs()).toEqual([]);
  }, 30_000);

  it('a page trickling in below the minimum throughput times out and the device job is deleted', async () => {
    const { sim, driver } = await simulator();
    // A few bytes a second: the connection is never idle long enough for the stall timeout.
    sim.inject({ kind: 'slow-body', bytesPerSecond: 100 });
    const run = await harness.run(driver, smallSettings({ source: 'platen' }), { bounds: TIGHT_THROUGHPUT });
    expect(run.event.state).toBe('failed');
    expect(run.event.error?.code).toBe('Timeout');
    expect(run.event.error?.message).toMatch(/page 1 arrived too slowly/);
    expect(run.stored).toEqual([]);
    expect(run.spooled).toEqual([]);
    expect(sim.undeletedJobs()).toEqual([]);
  }, 30_000);

  it('a page at a healthy rate passes the same throughput bound', async () => {
    const { driver } = await simulator();
    const run = await harness.run(driver, smallSettings({ source: 'platen' }), { bounds: TIGHT_THROUGHPUT });
    expect(run.event.state, JSON.stringify(run.event.error)).toBe('done');
    expect(run.stored).toHaveLength(1);
  });
});

/** A 16 × 16 grey page as a SANE data stream. */
const PAGE_SIDE = 16;
const saneImage = () => dataStream([Buffer.alloc(PAGE_SIDE * PAGE_SIDE, 0x80)], 5);

/** A saned device with a feeder that never runs out: every START succeeds. */
async function endlessSaned(dataPort: () => number): Promise<FakeSaned> {
  const fake = await startFakeSaned((req) => {
    switch (req.rpc) {
      case RPC.INIT: return wellBehaved.init();
      case RPC.GET_DEVICES: return wellBehaved.devices();
      case RPC.OPEN: return wellBehaved.open();
      case RPC.GET_OPTION_DESCRIPTORS: return wellBehaved.descriptors(['Flatbed', 'ADF']);
      case RPC.CONTROL_OPTION: return wellBehaved.controlOption(req);
      case RPC.GET_PARAMETERS: return wellBehaved.parameters(PAGE_SIDE, PAGE_SIDE);
      case RPC.START: return wellBehaved.start(dataPort());
      default: return wellBehaved.dummy();
    }
  });
  cleanup.push(fake.stop);
  return fake;
}

function saneDriver(fake: FakeSaned) {
  const driver = createSaneDriver({ host: fake.host, port: fake.port, device: 'fake:0', logger: quietLogger, deviceLabel: 'fake', idleCloseMs: 50 });
  cleanup.push(() => driver.close());
  return driver;
}

/** Waits until `done()` holds (the fake parses requests asynchronously). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 10));
}

const saneSettings = smallSettings({ format: 'png', region: { x: 0, y: 0, width: 5, height: 5 } });

describe('job bounds over SANE', () => {
  it('an ADF that never reports NO_DOCS stops past scan.max_pages: LimitExceeded, nothing stored, the scan CANCELled', async () => {
    const data = await startFakeDataPort(saneImage());
    cleanup.push(data.stop);
    const fake = await endlessSaned(() => data.port);
    const run = await harness.run(saneDriver(fake), saneSettings, { bounds: { maxPages: 3 } });
    expect(run.event.state).toBe('failed');
    expect(run.event.error?.code).toBe('LimitExceeded');
    expect(run.stored).toEqual([]);
    expect(run.spooled).toEqual([]);
    expect(fake.requests.filter((r) => r.rpc === RPC.START)).toHaveLength(4);
    await until(() => fake.requests.some((r) => r.rpc === RPC.CANCEL));
  }, 30_000);

  it('a page trickling in below the minimum throughput times out and the scan is CANCELled', async () => {
    // 100 bytes/s on the data port; the page (256 pixels + framing) would take seconds.
    const data = await startFakeDataPort(saneImage(), { bytesPerSecond: 100 });
    cleanup.push(data.stop);
    const fake = await endlessSaned(() => data.port);
    const run = await harness.run(saneDriver(fake), saneSettings, { bounds: { minPageBytesPerSecond: 1_000, pageGraceMs: 300 } });
    expect(run.event.state).toBe('failed');
    expect(run.event.error?.code).toBe('Timeout');
    expect(run.event.error?.message).toMatch(/page 1 arrived too slowly/);
    expect(run.stored).toEqual([]);
    await until(() => fake.requests.some((r) => r.rpc === RPC.CANCEL));
  }, 30_000);
});
