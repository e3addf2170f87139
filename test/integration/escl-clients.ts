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
