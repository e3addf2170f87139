/**
 * `curl` doing what the gateway does for an eSCL batch, as a baseline: POST ScanJobs, then one
 * curl reusing its connection for every NextDocument (pages to files, then the closing 404),
 * then DELETE. Returns the wall time in seconds.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './lib.js';

/** Fetches `pages` pages of one job into `dir` with curl; seconds for the whole job. */
export async function curlEsclBatch(baseUrl: string, settingsXml: string, pages: number, dir: string): Promise<number> {
  const settingsFile = join(dir, 'settings.xml');
  await writeFile(settingsFile, settingsXml);
  const started = performance.now();
  const headers = await run('curl', ['-sS', '-D', '-', '-o', '/dev/null', '-H', 'content-type: text/xml', '--data-binary', `@${settingsFile}`, new URL('ScanJobs', baseUrl).href]);
  const location = /^location:\s*(\S+)/im.exec(headers)?.[1];
  if (!location) throw new Error(`curl: no Location in ${headers}`);
  const job = new URL(location, baseUrl).href;
  const gets: string[] = [];
  for (let i = 1; i <= pages; i++) gets.push('-o', join(dir, `page-${i}`), `${job}/NextDocument`);
  gets.push('-o', '/dev/null', `${job}/NextDocument`);
  await run('curl', ['-sS', ...gets]);
  await run('curl', ['-sS', '-o', '/dev/null', '-X', 'DELETE', job]);
  return (performance.now() - started) / 1000;
}
