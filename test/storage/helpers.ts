/** Shared helpers of the storage tests: temp folders, silent logger, pages from bytes. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import sharp from 'sharp';
import type { ScannedPage } from '../../src/core/scanner.js';
import type { ScanSettings } from '../../src/core/settings.js';

/** A logger that writes nothing. */
export const silentLogger = pino({ level: 'silent' });

/** Makes a temp folder and returns it with a cleanup function. */
export async function makeTempDir(prefix = 'scan2mqtt-storage-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A page whose data arrives in small chunks, as from a socket. */
export function pageFrom(bytes: Uint8Array, index: number, extra: Partial<ScannedPage> = {}): ScannedPage {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 7919) chunks.push(Buffer.from(bytes.subarray(i, i + 7919)));
  return { index, data: Readable.from(chunks), ...extra };
}

/** Settings with A4 defaults. */
export function settingsFor(format: ScanSettings['format'], extra: Partial<ScanSettings> = {}): ScanSettings {
  return { source: 'platen', resolution: 300, color_mode: 'color', format, region: { x: 0, y: 0, width: 210, height: 297 }, ...extra };
}

/** A synthetic colour image with some structure (gradient plus text-like stripes) encoded by sharp. */
export async function makeImage(width: number, height: number, format: 'jpeg' | 'png', options: { channels?: 1 | 3; density?: number } = {}): Promise<Buffer> {
  const channels = options.channels ?? 3;
  const raw = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) raw[(y * width + x) * channels + c] = (x * (c + 1) + (y % 16 < 4 ? 200 : y)) & 0xff;
    }
  }
  let image = sharp(raw, { raw: { width, height, channels } });
  if (options.density !== undefined) image = image.withMetadata({ density: options.density });
  return format === 'jpeg' ? image.jpeg({ quality: 80 }).toBuffer() : image.png().toBuffer();
}

/** Runs a command and returns its stdout (throws on a non-zero exit). */
export function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
