/**
 * Helper run by announce.test.ts inside a private network namespace (never on
 * the host's LAN): starts the simulator CLI with an mDNS announcement, browses
 * for `_uscan._tcp` with bonjour-service, checks the advertised URL answers,
 * stops the CLI with SIGTERM and waits for the goodbye. Prints one JSON line.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bonjour, type Service } from 'bonjour-service';

/** Give up on any single step after this long (the test has its own timeout too). */
const STEP_TIMEOUT_MS = 15_000;

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sim', 'escl', 'cli.ts');
const child = spawn(process.execPath, ['--import', 'tsx', cli, '--adf-pages', '2', '--announce', 'Sim Probe Scanner', '--uuid', '11111111-2222-3333-4444-555555555555'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const lines = createInterface({ input: child.stdout });
const lineIterator = lines[Symbol.asyncIterator]();

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), STEP_TIMEOUT_MS).unref())]);
}

const result: Record<string, unknown> = {};
const bonjour = new Bonjour();
try {
  const first = await withTimeout(lineIterator.next(), 'CLI URL');
  result.url = first.value;
  const browser = bonjour.find({ type: 'uscan' });
  const [service] = (await withTimeout(once(browser, 'up'), 'service up')) as [Service];
  result.service = { name: service.name, type: service.type, port: service.port, txt: service.txt };
  const status = await fetch(`${String(result.url)}ScannerStatus`);
  result.statusCode = status.status;
  await status.text();
  const down = once(browser, 'down');
  child.kill('SIGTERM');
  const [gone] = (await withTimeout(down, 'goodbye')) as [Service];
  result.goodbye = gone.name;
  result.cliLastLine = (await withTimeout(lineIterator.next(), 'CLI stopped')).value;
  const [code] = await withTimeout(once(child, 'exit'), 'CLI exit');
  result.cliExit = code;
} catch (error) {
  result.error = String(error);
  child.kill('SIGKILL');
} finally {
  lines.close();
  await new Promise<void>((resolve) => bonjour.destroy(() => resolve()));
}
process.stdout.write(`${JSON.stringify(result)}\n`);
