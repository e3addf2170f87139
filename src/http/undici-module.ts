/**
 * undici, loaded at the first HTTP request rather than at start-up: its bundle took about 90 ms
 * of a 740 ms start and some memory, and a gateway with only SANE scanners and no remote target
 * never sends an HTTP request. It is CommonJS, so a synchronous require keeps callers synchronous.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

let undici: typeof Undici | undefined;

/** The undici module, loaded on the first call. */
export function undiciModule(): typeof Undici {
  undici ??= createRequire(import.meta.url)('undici') as typeof Undici;
  return undici;
}
