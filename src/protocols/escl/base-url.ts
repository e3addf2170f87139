/** Hand-listed eSCL base URLs in canonical form. Pure. */
import { invalidRequest } from '../../core/errors.js';
import { normaliseHttpUrl } from '../../core/http-url.js';

/** An eSCL base URL: canonical and ending in `/`, so resource names join onto it (`…/eSCL/`). */
export function normaliseEsclUrl(text: string): string {
  const url = new URL(normaliseHttpUrl(text));
  if (url.search) throw invalidRequest(`an eSCL base URL has no query: ${text}`);
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url.href;
}
