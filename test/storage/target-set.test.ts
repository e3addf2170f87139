/** The targets a job goes to: the ones its profile names, the storage folder when it names none. */
import { describe, expect, it } from 'vitest';
import { createTargetSet } from '../../src/storage/target-set.js';
import type { StorageTarget } from '../../src/storage/target.js';

const target = (name: string): StorageTarget => ({ name, deliver: async () => [] });

describe('target set', () => {
  const folder = target('folder');
  const paperless = target('paperless');
  const webdav = target('webdav');
  const set = createTargetSet([paperless, webdav], folder);

  it('sends a job that names no target to the storage folder, and one that names targets to those only', () => {
    expect(set.forJob([])).toEqual([folder]);
    expect(set.forJob(['webdav', 'paperless'])).toEqual([webdav, paperless]);
  });

  it('finds a waiting delivery its target by name, the folder included; a target gone from the config is undefined', () => {
    expect(set.byName('paperless')).toBe(paperless);
    expect(set.byName('folder')).toBe(folder);
    expect(set.byName('removed')).toBeUndefined();
  });
});
