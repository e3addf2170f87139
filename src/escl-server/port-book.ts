/**
 * The port and UUID of every scanner ever shared, kept in the data folder so that clients that
 * remembered a scanner (by URL or UUID) find it again after a restart.
 */
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/logger.js';
import { readJsonFile, writeJsonFileAtomic } from '../persistence/json-file.js';

/** File name inside the data folder. */
export const PORT_BOOK_FILE = 'escl-server.json';
/** Highest TCP port. */
const MAX_PORT = 65_535;

/** What one shared scanner keeps. */
export interface SharedIdentity {
  port: number;
  uuid: string;
}

interface BookFile {
  scanners: Record<string, SharedIdentity>;
}

/** Assigns each shared scanner a port from `firstPort` up, once, and remembers it. */
export class PortBook {
  private entries = new Map<string, SharedIdentity>();
  private writing: Promise<void> = Promise.resolve();
  private readonly path: string;

  constructor(private readonly deps: { dataFolder: string; firstPort: number; logger: Logger }) {
    this.path = join(deps.dataFolder, PORT_BOOK_FILE);
  }

  /** Reads the book; a corrupt file is logged and started afresh rather than stopping the gateway. */
  async load(): Promise<void> {
    const file = await readJsonFile<BookFile>(this.path, { scanners: {} }).catch((err: unknown) => {
      this.deps.logger.warn({ err }, 'eSCL server: port book unreadable, assigning ports afresh');
      return { scanners: {} };
    });
    for (const [id, entry] of Object.entries(file.scanners ?? {})) {
      if (Number.isInteger(entry?.port) && entry.port > 0 && entry.port <= MAX_PORT && typeof entry.uuid === 'string') this.entries.set(id, { port: entry.port, uuid: entry.uuid });
    }
  }

  /** The scanner's port and UUID, assigning (and persisting) them the first time. */
  identityOf(scannerId: string): SharedIdentity {
    const known = this.entries.get(scannerId);
    if (known) return known;
    const used = new Set([...this.entries.values()].map((e) => e.port));
    let port = this.deps.firstPort;
    while (used.has(port) && port < MAX_PORT) port += 1;
    const entry = { port, uuid: randomUUID() };
    this.entries.set(scannerId, entry);
    this.save();
    return entry;
  }

  /** True when `uuid` (any case) is one this book gave a scanner: an advert of ours, not a device. */
  hasUuid(uuid: string): boolean {
    const wanted = uuid.toLowerCase();
    return [...this.entries.values()].some((e) => e.uuid.toLowerCase() === wanted);
  }

  /** Resolves when every change so far is on disk. */
  flush(): Promise<void> {
    return this.writing;
  }

  private save(): void {
    const file: BookFile = { scanners: Object.fromEntries(this.entries) };
    this.writing = this.writing
      .then(() => writeJsonFileAtomic(this.path, file))
      .catch((err: unknown) => this.deps.logger.error({ err }, 'eSCL server: could not save the port book'));
  }
}
