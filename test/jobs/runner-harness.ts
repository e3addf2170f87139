/**
 * Runs one job through the real job runner, a real protocol driver and the real job
 * storage into a folder, and says what ended up where: the job event, the files under
 * the storage folder, and what is left in the spool.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { JobEvent } from '../../src/core/job.js';
import type { ScannerDriver } from '../../src/core/scanner.js';
import type { ScanSettings } from '../../src/core/settings.js';
import { runScanJob, type RunScanJobDeps } from '../../src/jobs/run-scan-job.js';
import { ScanJob } from '../../src/jobs/scan-job.js';
import { createFolderTarget } from '../../src/storage/folder/folder-target.js';
import { createJobStorage } from '../../src/storage/job-storage.js';

/** A logger that prints nothing. */
export const quietLogger = pino({ level: 'silent' });

/** What one run left behind. */
export interface RunOutcome {
  event: JobEvent;
  /** Every event the job emitted, in order. */
  events: JobEvent[];
  /** Files under the storage folder (final names). */
  stored: string[];
  /** Files left in the spool folder (should be none once the job ended). */
  spooled: string[];
}

/** Folders of one test; `cleanup()` removes them. */
export interface RunnerHarness {
  run(driver: ScannerDriver, settings: ScanSettings, options?: Pick<RunScanJobDeps, 'bounds' | 'keepPartial'>): Promise<RunOutcome>;
  cleanup(): Promise<void>;
}

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

/** Makes a storage folder and a spool folder in a fresh temp folder. */
export async function createRunnerHarness(): Promise<RunnerHarness> {
  const root = await mkdtemp(join(tmpdir(), 'scan2mqtt-runner-'));
  const storageFolder = join(root, 'scans');
  const spoolFolder = join(root, 'spool');
  const storage = createJobStorage({ spoolFolder, logger: quietLogger });
  const folder = createFolderTarget({ folder: storageFolder, logger: quietLogger });
  return {
    async run(driver, settings, options = {}) {
      const job = new ScanJob({ scannerId: 'sim', scannerName: 'Sim', settings, trigger: 'command' });
      const events: JobEvent[] = [];
      job.onEvent((e) => events.push(e));
      await runScanJob(job, {
        driver,
        logger: quietLogger,
        ...options,
        sink: {
          open: (j) => {
            const session = storage.begin({ jobId: j.id, scannerId: j.scannerId, scannerName: j.scannerName, settings: j.settings, createdAt: j.createdAt });
            return { addPage: (page, onProgress) => session.addPage(page, onProgress), finish: async () => ({ stored: await session.finish([folder]) }), abort: () => session.abort() };
          },
        },
      });
      return { event: job.event, events, stored: await filesUnder(storageFolder), spooled: await filesUnder(spoolFolder) };
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** A small scan: quick to render, several kB per page. */
export function smallSettings(over: Partial<ScanSettings> = {}): ScanSettings {
  return { source: 'adf', resolution: 75, color_mode: 'gray', format: 'jpeg', region: { x: 0, y: 0, width: 60, height: 60 }, ...over };
}
