/** Hand-listed http(s) device URLs in canonical form, shared by the HTTP-based protocols. Pure. */
import { invalidRequest } from './errors.js';

/** An http(s) URL in canonical form; throws InvalidRequest on anything else or on credentials in the URL. */
export function normaliseHttpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw invalidRequest(`not a URL: ${text}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidRequest(`must be http:// or https://: ${text}`);
  if (url.username || url.password) throw invalidRequest('put credentials in username/password, not in the URL');
  url.hash = '';
  return url.href;
}

/** The host of an http(s) URL, without IPv6 brackets. */
export function httpUrlHost(url: string): string {
  return new URL(url).hostname.replace(/^\[|\]$/g, '');
}
