/** Turning what devices put in `Location` and `JobUri` into a usable job path (PROTOCOLS.md A.3). Pure. */
import { protocolError } from '../../core/errors.js';

/**
 * The path part of a URL or path, without parsing the host: devices send hosts that
 * are not valid (Xerox `http://[fe80/eSCL/…`, HP over USB `http://BR54….hpLedmUSB/…`).
 */
export function pathOfLocation(location: string): string {
  // A scheme-relative `//host/path` (RFC 3986 network-path reference) names a host too.
  const withoutAuthority = location.trim().replace(/^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?\/\/[^/?#]*/, '');
  return withoutAuthority.split(/[?#]/, 1)[0] ?? '';
}

/**
 * The job's path on the device from a 201's `Location`: only the path is kept and resolved
 * against the eSCL root; it is never re-encoded (Kyocera's `urn:uuid:` segments keep their colons).
 */
export function jobPathFrom(location: string, basePath: string): string {
  const path = pathOfLocation(location);
  if (path === '' || path === '/') throw protocolError(`ScanJobs: unusable Location "${location.slice(0, 200)}"`);
  // Whitespace or control characters would break the request line; no real device sends them.
  if (/\s/.test(path) || hasControlCharacter(path)) throw protocolError('ScanJobs: Location contains whitespace or control characters');
  if (path.split('/').some((segment) => segment === '..')) throw protocolError('ScanJobs: Location climbs out of the eSCL root');
  const root = basePath.endsWith('/') ? basePath : `${basePath}/`;
  const absolute = path.startsWith('/') ? path : `${root}${path.startsWith('ScanJobs/') ? '' : 'ScanJobs/'}${path}`;
  const trimmed = absolute.replace(/\/+$/, '');
  if (trimmed === '') throw protocolError(`ScanJobs: unusable Location "${location.slice(0, 200)}"`);
  return trimmed;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
