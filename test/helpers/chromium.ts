/** Headless Debian Chromium driven by playwright-core, with a fresh profile per launch. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's chromium package. */
export const CHROMIUM_BIN = '/usr/bin/chromium';
/** Where screenshots go (gitignored), kept after the run as test artifacts. */
export const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');

/** A launched browser and its profile folder. */
export interface HeadlessChromium {
  /** The persistent context on the fresh profile (playwright's way of giving --user-data-dir). */
  context: BrowserContext;
  close(): Promise<void>;
  /** Path for a screenshot named `name` (the folder is created). */
  artifact(name: string): Promise<string>;
}

/** Launches Chromium headless, offline from everything but what the test serves. */
export async function launchChromium(): Promise<HeadlessChromium> {
  const profile = await mkdtemp(join(tmpdir(), 'scan2mqtt-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_BIN,
    headless: true,
    viewport: { width: 420, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
    async artifact(name) {
      await mkdir(ARTIFACTS, { recursive: true });
      return join(ARTIFACTS, name);
    },
  };
}
