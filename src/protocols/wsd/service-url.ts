/**
 * Hand-listed WSD devices (`"protocol": "wsd"`): the URL a user gives, checked, and the scan
 * service URLs worth trying for a bare host (PROTOCOLS.md B.3 observed paths). Pure.
 */
import { invalidRequest } from '../../core/errors.js';

/** Scan service locations seen on real devices, tried in this order for a bare host. */
export const KNOWN_SERVICE_LOCATIONS: readonly { port: number; path: string; seenOn: string }[] = [
  // Samsung-based devices (HP laser MFPs included) serve WS-Scan on their own port.
  { port: 8018, path: '/wsd/scan', seenOn: 'Samsung, HP' },
  { port: 5358, path: '/WSDScanner', seenOn: 'Kyocera' },
  { port: 80, path: '/WebServices/ScannerService', seenOn: 'Brother' },
  { port: 80, path: '/WDP/SCAN', seenOn: 'Epson' },
];

/** Checks a configured WSD URL (http or https); anything else is InvalidRequest. */
export function parseWsdUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidRequest(`invalid WSD URL "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidRequest(`WSD URL must be http or https: ${text}`);
  return url;
}

/**
 * The scan service URLs to try for a configured URL: the URL itself when it names a path or
 * a port, else each known location on that host.
 */
export function candidateServiceUrls(text: string): string[] {
  const url = parseWsdUrl(text);
  if (url.port !== '' || (url.pathname !== '/' && url.pathname !== '')) return [url.href];
  return KNOWN_SERVICE_LOCATIONS.map(({ port, path }) => {
    const candidate = new URL(url.href);
    candidate.port = port === 80 && url.protocol === 'http:' ? '' : String(port);
    candidate.pathname = path;
    return candidate.href;
  });
}
