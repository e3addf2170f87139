/**
 * The configured storage targets by name, with the storage folder as the default: a profile
 * (or a bare scan) that names no target stores to the folder.
 */
import type { StorageTarget } from './target.js';

/** The targets a job or a waiting delivery is sent to. */
export interface TargetSet {
  /** The targets of a job that names `names`; the storage folder when it names none. */
  forJob(names: readonly string[]): StorageTarget[];
  /** The target of this name (the folder too), for deliveries kept across restarts; undefined when gone from the config. */
  byName(name: string): StorageTarget | undefined;
}

/** Builds the set; config load has checked every profile's target names already, an unknown one is skipped. */
export function createTargetSet(named: readonly StorageTarget[], folder: StorageTarget): TargetSet {
  const byName = new Map(named.map((t) => [t.name, t]));
  return {
    forJob: (names) => (names.length > 0 ? names.flatMap((name) => byName.get(name) ?? []) : [folder]),
    byName: (name) => byName.get(name) ?? (name === folder.name ? folder : undefined),
  };
}
