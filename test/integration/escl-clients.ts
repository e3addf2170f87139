/**
 * Debian's eSCL clients against the gateway's eSCL server: sane-airscan with a manual device
 * entry and SANE's escl backend with an `escl:http://…` device, each in a private
 * SANE_CONFIG_DIR so nothing in /etc/sane.d is read or changed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { decodePnm } from '../protocols/sane/helpers.js';

/** The name the manual sane-airscan entry gets (device `airscan:e0:<name>`). */
export const AIRSCAN_DEVICE_NAME = 'Gateway eSCL';

/** Result of a client run: exit code, stderr and the pages it wrote (PNM bytes, in order). */
export interface ClientScan {
  code: number | null;
  stderr: string;
  pages: Buffer[];
}

async function clientDir(backend: 'airscan' | 'escl', url: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `scan2mqtt-${backend}-`));
  await writeFile(join(dir, 'dll.conf'), `${backend}\n`);
  if (backend === 'airscan') await writeFile(join(dir, 'airscan.conf'), `[devices]\n"${AIRSCAN_DEVICE_NAME}" = ${url}, eSCL\n\n[options]\ndiscovery = disable\n`);
  // The escl backend would otherwise browse with avahi; a device named in full needs no config.
  else await writeFile(join(dir, 'escl.conf'), '');
  return dir;
}

/** Runs `scanimage -d <device> --batch` through `backend`, returning every page as PNM. */
export async function scanWith(backend: 'airscan' | 'escl', url: string, device: string, args: string[]): Promise<ClientScan> {
  const dir = await clientDir(backend, url);
  try {
    const child = spawn('scanimage', ['-d', device, '--format=pnm', `--batch=${join(dir, 'page-%03d.pnm')}`, ...args], {
      env: { ...process.env, SANE_CONFIG_DIR: dir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    const names = (await readdir(dir)).filter((n) => n.startsWith('page-')).sort();
    const pages = await Promise.all(names.map((n) => readFile(join(dir, n))));
    return { code, stderr, pages };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs scanimage directly on a saned harness's test backend in batch mode (the reference). */
export async function referenceBatch(configDir: string, device: string, args: string[]): Promise<ClientScan> {
  const dir = await mkdtemp(join(tmpdir(), 'scan2mqtt-ref-'));
  try {
    const child = spawn('scanimage', ['-d', device, '--format=pnm', `--batch=${join(dir, 'page-%03d.pnm')}`, ...args], {
      env: { ...process.env, SANE_CONFIG_DIR: configDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    const names = (await readdir(dir)).filter((n) => n.startsWith('page-')).sort();
    return { code, stderr, pages: await Promise.all(names.map((n) => readFile(join(dir, n)))) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The client's page against the direct scan: same width and samples. SANE's escl backend renders a
 * PDF page through cairo and hands out RGB even in Gray mode; its grey pages then hold R = G = B.
 * sane-airscan sizes a page from the region it asked for (355/300 inch at 75 dpi = 89 lines) and
 * pads the image the device sent to that height; the test backend rounds its area to whole mm
 * (88 lines). So up to `padRows` extra rows at the bottom are the client's, not the gateway's.
 */
export function samePixels(mine: Buffer, theirs: Buffer, padRows = 0): void {
  const full = decodePnm(mine);
  const b = decodePnm(theirs);
  expect(full.height - b.height).toBeGreaterThanOrEqual(0);
  expect(full.height - b.height).toBeLessThanOrEqual(padRows);
  const a = { ...full, height: b.height, data: full.data.subarray(0, full.width * full.channels * b.height) };
  let data = a.data;
  if (a.channels === 3 && b.channels === 1) {
    const grey = Buffer.alloc(a.width * a.height);
    for (let i = 0; i < grey.length; i++) {
      expect(a.data[i * 3] === a.data[i * 3 + 1] && a.data[i * 3] === a.data[i * 3 + 2]).toBe(true);
      grey[i] = a.data[i * 3]!;
    }
    data = grey;
  } else expect(a.channels).toBe(b.channels);
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  expect(data.equals(b.data)).toBe(true);
}
