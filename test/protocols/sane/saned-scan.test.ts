/** The SANE driver against the real Debian saned with the `test` backend. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSaneDriver, listSaneDevices } from '../../../src/protocols/sane/index.js';
import type { ScannerDriver } from '../../../src/core/scanner.js';
import { SANED_AVAILABLE, scanimageNet, startSaned, type SanedHarness } from '../../sim/saned/saned.js';
import { decodeImage, decodePnm, scanAll, silentLogger, smallScan } from './helpers.js';

if (!SANED_AVAILABLE) console.warn('saned/scanimage not installed: skipping the real-saned SANE tests (apt-get install sane-utils)');

describe.skipIf(!SANED_AVAILABLE)('SANE driver against real saned (test backend, Color pattern)', () => {
  let saned: SanedHarness;
  const drivers: ScannerDriver[] = [];
  const driver = (device = 'test:0', extra: object = {}) => {
    const d = createSaneDriver({ host: saned.host, port: saned.port, device, logger: silentLogger, deviceLabel: 'test', idleCloseMs: 200, ...extra });
    drivers.push(d);
    return d;
  };

  beforeAll(async () => {
    saned = await startSaned({ testConf: 'test-picture "Color pattern"' });
  });
  afterAll(async () => {
    await Promise.all(drivers.map((d) => d.close()));
    await saned?.stop();
  });

  it('lists test:0 and test:1', async () => {
    const devices = await listSaneDevices({ host: saned.host, port: saned.port, logger: silentLogger });
    expect(devices.map((d) => d.name)).toEqual(['test:0', 'test:1']);
    expect(devices[0]).toMatchObject({ vendor: 'Noname', model: 'frontend-tester', type: 'virtual device' });
  });

  it('maps the options to capabilities', async () => {
    const caps = await driver().getCapabilities();
    expect(caps.protocol).toBe('sane');
    expect(caps.manufacturer).toBe('Noname');
    expect(Object.keys(caps.sources).sort()).toEqual(['adf', 'platen']);
    expect(caps.sources.platen).toMatchObject({ color_modes: ['color', 'gray', 'bw'], max_width_mm: 356, max_height_mm: 356, formats: ['pdf', 'jpeg', 'png', 'tiff'] });
    expect(caps.sources.platen?.resolutions).toEqual([75, 100, 150, 200, 300, 400, 600, 1200]);
    expect(caps.resolution_range).toEqual({ min: 1, max: 1200, step: 1 });
    expect(caps.buttons).toBeUndefined();
  });

  it('is idle when the device can be opened', async () => {
    expect(await driver().getStatus()).toEqual({ state: 'idle', adf: null });
  });

  const modes = [
    { mode: 'color', args: ['--mode', 'Color', '--depth', '8'] },
    { mode: 'gray', args: ['--mode', 'Gray', '--depth', '8'] },
    { mode: 'bw', args: ['--mode', 'Gray', '--depth', '1'] },
  ] as const;
  for (const { mode, args } of modes) {
    it(`stores the same ${mode} pixels as scanimage`, async () => {
      const d = driver();
      const pages = await scanAll(d.scan(smallScan({ color_mode: mode }), new AbortController().signal));
      expect(pages).toHaveLength(1);
      const mine = await decodeImage(pages[0]!.bytes);
      const ref = await scanimageNet(saned, ['-d', 'net:127.0.0.1:test:0', '--format=pnm', ...args, '--resolution', '75', '-l', '0', '-t', '0', '-x', '40', '-y', '30']);
      expect(ref.code, ref.stderr).toBe(0);
      const theirs = decodePnm(ref.stdout);
      expect({ w: mine.width, h: mine.height, c: mine.channels }).toEqual({ w: theirs.width, h: theirs.height, c: theirs.channels });
      expect(pages[0]!.page).toMatchObject({ index: 1, declaredType: 'image/png', widthPx: theirs.width, heightPx: theirs.height, resolution: 75 });
      expect(mine.data.equals(theirs.data)).toBe(true);
    });
  }

  it('stores 16-bit samples equal to scanimage', async () => {
    const d = driver('test:0', { preferDepth: 16 });
    const pages = await scanAll(d.scan(smallScan({ color_mode: 'color' }), new AbortController().signal));
    const mine = await decodeImage(pages[0]!.bytes, true);
    const ref = await scanimageNet(saned, ['-d', 'net:127.0.0.1:test:0', '--format=pnm', '--mode', 'Color', '--depth', '16', '--resolution', '75', '-l', '0', '-t', '0', '-x', '40', '-y', '30']);
    const theirs = decodePnm(ref.stdout);
    expect(mine.data.length).toBe(theirs.data.length);
    expect(mine.data.equals(theirs.data)).toBe(true);
  });

  it('delivers jpeg, tiff and pdf pages', async () => {
    const d = driver();
    for (const [format, magic] of [['jpeg', 'ffd8ff'], ['tiff', '49492a00'], ['pdf', 'ffd8ff']] as const) {
      const pages = await scanAll(d.scan(smallScan({ format }), new AbortController().signal));
      expect(pages[0]!.bytes.subarray(0, magic.length / 2).toString('hex')).toBe(magic);
    }
  });

  it('scans the ADF until NO_DOCS', async () => {
    const pages = await scanAll(driver().scan(smallScan({ source: 'adf', resolution: 25 }), new AbortController().signal));
    expect(pages.map((p) => p.page.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
