/**
 * Status polls must not lock the device: an open SANE device is exclusive, so while the
 * driver polls, another client (Debian scanimage over the net backend) must be able to
 * open it every time. The test backend does not refuse a second open across saned's
 * per-connection processes, so the trace of what the driver sent is checked as well:
 * no OPEN at all while it polls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceRecord } from '../../../src/core/trace.js';
import { createSaneDriver } from '../../../src/protocols/sane/index.js';
import type { ScannerDriver } from '../../../src/core/scanner.js';
import { SANED_AVAILABLE, scanimageNet, startSaned, type SanedHarness } from '../../sim/saned/saned.js';
import { silentLogger } from './helpers.js';

/** Tries of the other client, spread over the polling. */
const TRIES = 20;
/** Pause between two polls of the driver (the gateway's idle interval, shortened). */
const POLL_PAUSE_MS = 20;

describe.skipIf(!SANED_AVAILABLE)('SANE status polling against real saned', () => {
  let saned: SanedHarness;
  let driver: ScannerDriver;
  const sent: TraceRecord[] = [];

  beforeAll(async () => {
    saned = await startSaned();
    driver = createSaneDriver({
      host: saned.host, port: saned.port, device: 'test:0', logger: silentLogger, deviceLabel: 'test',
      tracer: { enabled: true, record: (r) => void (r.direction === 'send' && sent.push(r)) },
    });
  });
  afterAll(async () => {
    await driver?.close();
    await saned?.stop();
  });

  it('reads the capabilities once and closes the device before returning', async () => {
    await driver.getCapabilities();
    const labels = sent.map((r) => r.label);
    expect(labels.filter((l) => l === 'OPEN' || l === 'GET_OPTION_DESCRIPTORS' || l === 'CLOSE')).toEqual(['OPEN', 'GET_OPTION_DESCRIPTORS', 'CLOSE']);
    expect(labels.at(-1)).toBe('EXIT');
  });

  it(`lets scanimage open the device ${TRIES} of ${TRIES} times while the driver polls`, async () => {
    sent.length = 0;
    let polling = true;
    let polls = 0;
    const statuses = new Set<string>();
    const poller = (async () => {
      while (polling) {
        statuses.add(JSON.stringify(await driver.getStatus()));
        polls++;
        await new Promise((r) => setTimeout(r, POLL_PAUSE_MS));
      }
    })();
    const results = [];
    try {
      for (let i = 0; i < TRIES; i++) {
        // -A opens the device and reads every option, as a frontend does before a scan.
        const other = await scanimageNet(saned, ['-d', 'net:127.0.0.1:test:0', '-A']);
        results.push({ code: other.code, busy: /busy/i.test(other.stderr) });
        const seen = polls;
        while (polls === seen) await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      polling = false;
      await poller;
    }
    expect(results.filter((r) => r.code === 0 && !r.busy)).toHaveLength(TRIES);
    expect(polls).toBeGreaterThanOrEqual(TRIES);
    expect([...statuses]).toEqual([JSON.stringify({ state: 'idle', adf: null })]);
    // What the driver sent while polling: listings only, never an OPEN.
    expect(new Set(sent.map((r) => r.label))).toEqual(new Set(['INIT', 'GET_DEVICES', 'EXIT']));
  });

  it('reports the host gone as DeviceOffline', async () => {
    const other = await startSaned();
    const d = createSaneDriver({ host: other.host, port: other.port, device: 'test:0', logger: silentLogger, deviceLabel: 'gone' });
    expect(await d.getStatus()).toEqual({ state: 'idle', adf: null });
    await other.stop();
    const err = await d.getStatus().then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'DeviceOffline' });
    await d.close();
  });
});
