/** Locates the shared device fixtures, whether they sit at /work/shared or beside the repository. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root: test/sim/escl is three levels below it. */
const repoRoot = resolve(here, '..', '..', '..');

/** Candidate fixture roots, most specific first. */
const FIXTURE_ROOTS = [
  process.env.SCAN2MQTT_FIXTURES,
  join(repoRoot, '..', 'shared', 'fixtures'),
  '/work/shared/fixtures',
].filter((root): root is string => typeof root === 'string' && root.length > 0);

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
