/** Locates the shared device fixtures, whether they sit at /work/shared or beside the repository. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_ROOTS } from '../../helpers/fixtures.js';

/** Absolute path of a fixture given relative to `shared/fixtures` (e.g. `escl/airsane/…xml`). */
export function fixturePath(relative: string): string {
  for (const root of FIXTURE_ROOTS) {
    const candidate = join(root, relative);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`fixture ${relative} not found under ${FIXTURE_ROOTS.join(', ')}`);
}

/** The capabilities the simulator serves unless told otherwise (AirSane over the SANE test backend). */
export const DEFAULT_CAPABILITIES_FIXTURE = 'escl/airsane/airsane-ScannerCapabilities.xml';
