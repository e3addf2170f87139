/** Real saned with the `test` backend configured for the harder cases: three-pass, hand scanner, auth, cancel, crash. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import { ScanError } from '../../../src/core/errors.js';
import type { ScannedPage, ScannerDriver } from '../../../src/core/scanner.js';
import { createSaneDriver, type SaneDriverOptions } from '../../../src/protocols/sane/index.js';
import { SANED_AVAILABLE, scanimageDirect, scanimageNet, startSaned, type SanedHarness, type SanedOptions } from '../../sim/saned/saned.js';
import { collect, decodeImage, decodePnm, scanAll, silentLogger, smallScan } from './helpers.js';

/** Delay of the test backend after each buffer (µs), to keep a page in flight. */
const SLOW_READ = 'read-delay true\nread-delay-duration 100000\n';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function saned(options: SanedOptions): Promise<SanedHarness> {
  const s = await startSaned(options);
  cleanup.push(s.stop);
  return s;
}

function driver(s: SanedHarness, extra: Partial<SaneDriverOptions> = {}): ScannerDriver {
  const d = createSaneDriver({ host: s.host, port: s.port, device: 'test:0', logger: silentLogger, deviceLabel: 'test', idleCloseMs: 100, ...extra });
  cleanup.push(() => d.close());
  return d;
}

async function errorOf(work: Promise<unknown>): Promise<ScanError> {
  const err = await work.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ScanError);
  return err as ScanError;
}

async function sameAsScanimage(s: SanedHarness, bytes: Buffer, args: string[], direct = false): Promise<void> {
  const mine = await decodeImage(bytes);
  const ref = direct ? await scanimageDirect(s, ['-d', 'test:0', '--format=pnm', ...args]) : await scanimageNet(s, ['-d', 'net:127.0.0.1:test:0', '--format=pnm', ...args]);
  expect(ref.code, ref.stderr).toBe(0);
  const theirs = decodePnm(ref.stdout);
  expect([mine.width, mine.height, mine.channels]).toEqual([theirs.width, theirs.height, theirs.channels]);
  expect(mine.data.equals(theirs.data)).toBe(true);
}

describe.skipIf(!SANED_AVAILABLE)('SANE driver, harder cases on real saned', () => {
  it('interleaves a three-pass colour scan like scanimage', async () => {
    // Only the RGB order: in sane-backends 1.2.1 the test backend's other orders repeat or skip a colour.
    const s = await saned({ testConf: 'test-picture "Color pattern"\nthree-pass true\nthree-pass-order RGB\n' });
    const d = driver(s);
    const pages = await scanAll(d.scan(smallScan(), new AbortController().signal));
    expect(pages).toHaveLength(1);
    const again = await scanAll(d.scan(smallScan(), new AbortController().signal));
    expect(again[0]!.bytes.equals(pages[0]!.bytes)).toBe(true);
    // Reference: scanimage on the backend directly. Through the net backend scanimage
    // itself gets a wrong frame now and then (GET_PARAMETERS after START races with saned).
    await sameAsScanimage(s, pages[0]!.bytes, ['--mode', 'Color', '--resolution', '75', '-l', '0', '-t', '0', '-x', '40', '-y', '30'], true);
  });

  it('reads a hand-scanner page of unknown height (lines = -1)', async () => {
    const s = await saned({ testConf: 'test-picture "Grid"\nhand-scanner true\n' });
    const pages = await scanAll(driver(s).scan(smallScan({ color_mode: 'gray' }), new AbortController().signal));
    const img = await decodeImage(pages[0]!.bytes);
    expect(pages[0]!.page.heightPx).toBe(img.height);
    expect(img.height).toBeGreaterThan(0);
    await sameAsScanimage(s, pages[0]!.bytes, ['--mode', 'Gray', '--resolution', '75', '-l', '0', '-t', '0', '-x', '40', '-y', '30']);
  });

  it('accepts saned.users credentials and refuses wrong or missing ones', async () => {
    const s = await saned({ users: [{ user: 'alice', password: 'secret' }] });
    const good = driver(s, { credentials: { username: 'alice', password: 'secret' } });
    expect(Object.keys((await good.getCapabilities()).sources)).toContain('platen');
    expect(await scanAll(good.scan(smallScan(), new AbortController().signal))).toHaveLength(1);
    expect((await errorOf(driver(s, { credentials: { username: 'alice', password: 'wrong' } }).getCapabilities())).code).toBe('AccessDenied');
    expect((await errorOf(driver(s).getCapabilities())).code).toBe('AccessDenied');
  });

  it('reports read-only sensor options as buttons and reads them', async () => {
    const s = await saned({ testConf: 'enable-test-options true\n' });
    const d = driver(s);
    expect((await d.getCapabilities()).buttons).toEqual(['bool-hard-select-soft-detect', 'bool-soft-detect']);
    expect(await d.readButtons!()).toEqual({ 'bool-hard-select-soft-detect': false, 'bool-soft-detect': false });
  });

  it('reads its sensors as device events until aborted or closed, yielding no press while none is down', async () => {
    const s = await saned({ testConf: 'enable-test-options true\n' });
    const d = driver(s);
    const abort = new AbortController();
    const events = d.events!(abort.signal, { pollIntervalMs: 20 })[Symbol.asyncIterator]();
    const first = events.next();
    abort.abort();
    expect(await first).toEqual({ done: true, value: undefined });
    const closing = d.events!(new AbortController().signal, { pollIntervalMs: 20 })[Symbol.asyncIterator]();
    const next = closing.next();
    await d.close();
    expect(await next).toEqual({ done: true, value: undefined });
    // Reading between subscriptions still works: the device was closed after each sensor read.
    expect(await driver(s).readButtons!()).toEqual({ 'bool-hard-select-soft-detect': false, 'bool-soft-detect': false });
  });

  it('cancels mid-page on abort, and the device scans again afterwards', async () => {
    const s = await saned({ testConf: SLOW_READ });
    const d = driver(s);
    const abort = new AbortController();
    const pages = d.scan(smallScan({ resolution: 300, region: { x: 0, y: 0, width: 210, height: 297 } }), abort.signal)[Symbol.asyncIterator]();
    const first = await pages.next();
    const reading = collect((first.value as ScannedPage).data);
    setTimeout(() => abort.abort(), 200);
    expect((await errorOf(reading)).code).toBe('Cancelled');
    expect((await errorOf(pages.next())).code).toBe('Cancelled');
    expect(await d.getStatus()).toEqual({ state: 'idle', adf: null });
    expect(await scanAll(d.scan(smallScan({ resolution: 25, region: { x: 0, y: 0, width: 10, height: 10 } }), new AbortController().signal))).toHaveLength(1);
  });

  it('scans again right after a cancelled JPEG page whose stream the consumer abandoned', async () => {
    const s = await saned({ testConf: SLOW_READ });
    const d = driver(s, { idleCloseMs: 60_000 });
    const abort = new AbortController();
    const read = async () => {
      for await (const page of d.scan(smallScan({ resolution: 300, format: 'jpeg', region: { x: 0, y: 0, width: 210, height: 297 } }), abort.signal)) {
        // Stop at the first encoded bytes (mid-page); the stream's error ends the loop.
        for await (const chunk of page.data) if ((chunk as Buffer).length > 0) abort.abort();
      }
    };
    expect((await errorOf(read())).code).toBe('Cancelled');
    expect(await d.getStatus()).toEqual({ state: 'idle', adf: null });
    expect(await scanAll(d.scan(smallScan({ color_mode: 'gray' }), new AbortController().signal))).toHaveLength(1);
  });

  it('errors the page stream when saned dies mid-page', async () => {
    const s = await saned({ testConf: SLOW_READ });
    const d = driver(s);
    const pages = d.scan(smallScan({ resolution: 300, region: { x: 0, y: 0, width: 210, height: 297 } }), new AbortController().signal)[Symbol.asyncIterator]();
    const first = await pages.next();
    const reading = collect((first.value as ScannedPage).data as Readable);
    setTimeout(() => s.killNow(), 200);
    expect((await errorOf(reading)).code).toBe('DeviceOffline');
    expect((await errorOf(pages.next())).code).toBe('DeviceOffline');
    expect((await errorOf(d.getStatus())).code).toBe('DeviceOffline');
  });
});
