/** SANE's network protocol (saned) as a protocol module: `sane://` URLs, the driver, saned hosts. */
import { ScanError } from '../../core/errors.js';
import type { ProtocolModule } from '../../core/protocol-module.js';
import { sanedHostEntry } from './discovery/host-entry.js';
import { sanePortService } from './discovery/sane-port-watch.js';
import { SanedHostDiscovery } from './discovery/saned-hosts.js';
import { createSaneDriver } from './driver.js';
import { formatSaneUrl, parseSaneUrl, saneDeviceKey } from './sane-url.js';

/** The SANE protocol module. */
export const saneModule: ProtocolModule = {
  name: 'sane',
  preference: 3,
  parseUrl(text) {
    const sane = parseSaneUrl(text);
    const url = formatSaneUrl(sane);
    return sane.device === undefined ? { url, host: sane.host } : { url, key: saneDeviceKey(sane.host, sane.port, sane.device), host: sane.host };
  },
  createDriver({ record, endpoint, logger, tracer, jpegQuality }) {
    const target = parseSaneUrl(endpoint.url);
    if (!target.device) throw new ScanError('InvalidRequest', `${endpoint.url} names no SANE device`);
    return createSaneDriver({
      host: target.host,
      port: target.port,
      device: target.device,
      ...(record.credentials ? { credentials: record.credentials } : {}),
      logger,
      tracer,
      deviceLabel: record.id,
      ...(jpegQuality !== undefined ? { jpegQuality } : {}),
    });
  },
  discovery({ hosts, rescanIntervalMs, logger, tracer }) {
    const saned = new SanedHostDiscovery({ hosts: hosts.map(sanedHostEntry), relistIntervalMs: rescanIntervalMs, logger: logger.child({ component: 'saned-hosts' }), tracer });
    return { sources: [saned], mdnsServices: [sanePortService(saned, logger.child({ component: 'mdns' }))] };
  },
};
