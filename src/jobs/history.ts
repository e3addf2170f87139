/**
 * The job history: the last N finished jobs (settings, pages, files, targets, errors),
 * kept in memory and persisted atomically to `<data>/history.json` so it survives restarts.
 */
import { join } from 'node:path';
import type { HistoryQuery, JobHistoryEntry } from '../core/gateway-api.js';
import type { Logger } from '../core/logger.js';
import { readJsonFile, writeJsonFileAtomic } from '../persistence/json-file.js';

/** File name inside the data folder. */
export const HISTORY_FILE = 'history.json';
/** Default number of jobs kept. */
export const DEFAULT_HISTORY_MAX_JOBS = 200;
/** Default number of entries a query returns. */
export const DEFAULT_HISTORY_LIMIT = 50;

/** The file's shape; `version` lets a later format be told apart. */
interface StoredHistory {
  version: 1;
  jobs: JobHistoryEntry[];
}

/** Options of the history. */
export interface JobHistoryOptions {
  dataFolder: string;
  maxJobs: number;
  logger: Logger;
}

/** Bounded, persisted job log; writes are serialised and coalesced (only the newest snapshot is written). */
export class JobHistory {
  private jobs: JobHistoryEntry[] = [];
  private readonly path: string;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(private readonly options: JobHistoryOptions) {
    this.path = join(options.dataFolder, HISTORY_FILE);
  }

  /** Reads the file; a corrupt file is logged and replaced rather than stopping the gateway. */
  async load(): Promise<void> {
    try {
      const stored = await readJsonFile<unknown>(this.path, { version: 1, jobs: [] });
      const jobs = typeof stored === 'object' && stored !== null && Array.isArray((stored as StoredHistory).jobs) ? (stored as StoredHistory).jobs : [];
      this.jobs = jobs.filter(isEntry).slice(0, this.options.maxJobs);
    } catch (error) {
      this.options.logger.error({ err: error, path: this.path }, 'job history unreadable; starting a new one');
      this.jobs = [];
    }
  }

  /** Adds a finished job (replacing an entry with the same scanner and id) and persists. */
  record(entry: JobHistoryEntry): Promise<void> {
    this.jobs = [entry, ...this.jobs.filter((j) => !(j.id === entry.id && j.scanner === entry.scanner))].slice(0, this.options.maxJobs);
    return this.persist();
  }

  /** Entries newest first, optionally of one scanner, at most `limit` (default DEFAULT_HISTORY_LIMIT, never above maxJobs). */
  list(query: HistoryQuery = {}): JobHistoryEntry[] {
    const limit = Math.max(0, Math.min(query.limit ?? DEFAULT_HISTORY_LIMIT, this.options.maxJobs));
    const jobs = query.scanner === undefined ? this.jobs : this.jobs.filter((j) => j.scanner === query.scanner);
    return structuredClone(jobs.slice(0, limit));
  }

  /** Waits for pending writes. */
  async close(): Promise<void> {
    await this.writing;
  }

  private persist(): Promise<void> {
    if (this.dirty) return this.writing;
    this.dirty = true;
    this.writing = this.writing
      .then(() => {
        this.dirty = false;
        const snapshot: StoredHistory = { version: 1, jobs: this.jobs };
        return writeJsonFileAtomic(this.path, snapshot);
      })
      .catch((error: unknown) => this.options.logger.error({ err: error, path: this.path }, 'could not save the job history'));
    return this.writing;
  }
}

/** Keeps only entries with the fields every reader relies on (a hand-edited file may hold anything). */
function isEntry(value: unknown): value is JobHistoryEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['id'] === 'string' && typeof v['scanner'] === 'string' && typeof v['state'] === 'string' && typeof v['created_at'] === 'string' && Array.isArray(v['files']);
}
