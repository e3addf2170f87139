/**
 * The baseline the WSD gateway figures are compared with: a plain HTTP loop doing the same
 * WS-Scan pull (bench/wsd-pull.ts) and writing each answer to a file, in a child process so
 * its peak RSS can be read. Prints `pages seconds peakRssMiB`.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { adfTicket, pullWsdBatch } from './wsd-pull.js';

const [serviceUrl, dpi, width, height] = [process.argv[2] as string, Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
const folder = await mkdtemp(join(tmpdir(), 'bench-plain-wsd-'));
const started = performance.now();
const pages = await pullWsdBatch(serviceUrl, adfTicket(dpi, width, height), (body, index) => pipeline(body, createWriteStream(join(folder, `page-${index}.bin`))));
const seconds = (performance.now() - started) / 1000;
await rm(folder, { recursive: true, force: true });
console.log(`${pages} ${seconds} ${process.resourceUsage().maxRSS / 1024}`);
