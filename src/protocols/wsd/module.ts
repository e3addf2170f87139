/**
 * WSD (WS-Scan) as a protocol module, not implemented yet: a hand-listed WSD device is
 * accepted (its URL checked), a warning is logged at start, and its driver refuses with
 * Unsupported.
 */
import { ScanError } from '../../core/errors.js';
import { httpUrlHost, normaliseHttpUrl } from '../../core/http-url.js';
import type { ProtocolModule } from '../../core/protocol-module.js';

/** The WSD protocol module. */
export const wsdModule: ProtocolModule = {
  name: 'wsd',
  preference: 2,
  parseUrl(text) {
    const url = normaliseHttpUrl(text);
    return { url, key: `url:${url}`, host: httpUrlHost(url) };
  },
  createDriver() {
    throw new ScanError('Unsupported', 'WSD scanning is not implemented yet; list the device as eSCL if it offers eSCL');
  },
  notReady: 'WSD devices are listed in config, but WSD scanning is not implemented yet',
};
