/**
 * The baseline a gateway is compared with: the plainest eSCL client that does the same
 * work (POST ScanJobs, NextDocument until 404, write each page to a file, DELETE), in a
 * child process so its peak RSS can be read. Files are written through a 1 MiB buffer (the
 * 16 KiB default stalls on small HTTP chunks), so the baseline is a good client. With `fsync` as the third argument each page
 * is also flushed to disk, as the gateway does. Prints `pages seconds peakRssMiB`.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pullEsclBatch } from './escl-pull.js';

/** Write buffer of the page files. */
const WRITE_BUFFER_BYTES = 1024 * 1024;
const [baseUrl, settingsXml, mode] = [process.argv[2] as string, process.argv[3] as string, process.argv[4]];
const folder = await mkdtemp(join(tmpdir(), 'bench-plain-'));
const started = performance.now();
const pages = await pullEsclBatch(baseUrl, settingsXml, async (body, index) => {
  const path = join(folder, `page-${index}`);
  await pipeline(body, createWriteStream(path, { highWaterMark: WRITE_BUFFER_BYTES }));
  if (mode !== 'fsync') return;
  const handle = await open(path, 'r');
  await handle.sync();
  await handle.close();
});
const seconds = (performance.now() - started) / 1000;
await rm(folder, { recursive: true, force: true });
console.log(`${pages} ${seconds} ${process.resourceUsage().maxRSS / 1024}`);
