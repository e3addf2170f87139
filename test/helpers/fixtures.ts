/**
 * Where the shared device fixtures are: `../shared/fixtures` beside the repository (as CI
 * lays it out), `$SCAN2MQTT_FIXTURES`, or the workplace's /work/shared/fixtures.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..', '..');

/** Candidate roots, most specific first. */
export const FIXTURE_ROOTS: readonly string[] = [process.env.SCAN2MQTT_FIXTURES, join(REPO, '..', 'shared', 'fixtures'), '/work/shared/fixtures'].filter(
  (root): root is string => typeof root === 'string' && root.length > 0,
);

/** The first fixture root that exists. */
export const FIXTURES: string = FIXTURE_ROOTS.find((root) => existsSync(root)) ?? (FIXTURE_ROOTS[0] as string);

/** The shared folder (fixtures' parent: PROTOCOLS.md, lab/). */
export const SHARED: string = resolve(FIXTURES, '..');
