/**
 * The add-on maps onto settings that a given gateway version may not have yet (the web
 * frontend's, the eSCL server's): the gateway refuses unknown SCAN2MQTT_ variables, so
 * those are left out, and said so, instead of stopping the start.
 */
import { CONFIG_FILE_ENV, ENV_PREFIX, listConfigKeys } from '../config/schema.js';

/** Splits `env` into the variables this gateway knows and the names it does not. */
export function knownSettings(env: Readonly<Record<string, string>>): { known: Record<string, string>; unknown: string[] } {
  const names = new Set([CONFIG_FILE_ENV, ...listConfigKeys().map((k) => k.env)]);
  const known: Record<string, string> = {};
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || names.has(name)) known[name] = value;
    else unknown.push(name);
  }
  return { known, unknown };
}
