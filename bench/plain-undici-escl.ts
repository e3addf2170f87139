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
import { request } from 'undici';

const [baseUrl, settingsXml] = [process.argv[2] as string, process.argv[3] as string];
const folder = await mkdtemp(join(tmpdir(), 'bench-plain-'));
const started = performance.now();
const created = await request(new URL('ScanJobs', baseUrl), { method: 'POST', body: settingsXml, headers: { 'content-type': 'text/xml' } });
await created.body.dump();
const job = new URL(String(created.headers.location), baseUrl);
let pages = 0;
for (;;) {
  const page = await request(`${job.href.replace(/\/$/, '')}/NextDocument`);
  if (page.statusCode !== 200) {
    await page.body.dump();
    break;
  }
  pages += 1;
  await pipeline(page.body, createWriteStream(join(folder, `page-${pages}.jpg`)));
}
await (await request(job, { method: 'DELETE' })).body.dump();
const seconds = (performance.now() - started) / 1000;
await rm(folder, { recursive: true, force: true });
console.log(`${pages} ${seconds} ${process.resourceUsage().maxRSS / 1024}`);
