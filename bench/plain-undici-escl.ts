/**
 * The baseline a gateway is compared with: the plainest eSCL client that does the same
 * work (POST ScanJobs, NextDocument until 404, write each page to a file, DELETE), in a
 * child process so its peak RSS can be read. Prints `pages seconds peakRssMiB`.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pullEsclBatch } from './escl-pull.js';

const [baseUrl, settingsXml] = [process.argv[2] as string, process.argv[3] as string];
const folder = await mkdtemp(join(tmpdir(), 'bench-plain-'));
const started = performance.now();
const pages = await pullEsclBatch(baseUrl, settingsXml, (body, index) => pipeline(body, createWriteStream(join(folder, `page-${index}.jpg`))));
const seconds = (performance.now() - started) / 1000;
await rm(folder, { recursive: true, force: true });
console.log(`${pages} ${seconds} ${process.resourceUsage().maxRSS / 1024}`);
