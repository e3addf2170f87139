/** Builds the protocol driver for a device record: the one place that knows every protocol. */
import { ScanError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ScannerDriver } from '../core/scanner.js';
import type { ProtocolTracer } from '../core/trace.js';
import type { DeviceRecord } from '../discovery/registry.js';
import { parseSaneUrl } from '../discovery/static/devices.js';
import { createEsclDriver } from '../protocols/escl/driver.js';
import { createSaneDriver } from '../protocols/sane/driver.js';

/** What every driver shares. */
export interface DriverFactoryDeps {
  logger: Logger;
  tracer: ProtocolTracer;
}

/** Returns a function that creates the right driver for a record. */
export function createDriverFactory(deps: DriverFactoryDeps): (record: DeviceRecord) => ScannerDriver {
  return (record) => {
    const endpoint = record.endpoints[0];
    if (!endpoint) throw new ScanError('InvalidRequest', `device ${record.id} has no endpoint`);
    const logger = deps.logger.child({ scanner: record.id, protocol: record.protocol });
    switch (record.protocol) {
      case 'escl':
        return createEsclDriver({
          baseUrl: endpoint.url,
          insecureTls: endpoint.insecureTls ?? false,
          ...(record.credentials ? { credentials: record.credentials } : {}),
          logger,
          tracer: deps.tracer,
          deviceLabel: record.id,
        });
      case 'sane': {
        const target = parseSaneUrl(endpoint.url);
        if (!target.device) throw new ScanError('InvalidRequest', `${endpoint.url} names no SANE device`);
        return createSaneDriver({
          host: target.host,
          port: target.port,
          device: target.device,
          ...(record.credentials ? { credentials: record.credentials } : {}),
          logger,
          tracer: deps.tracer,
          deviceLabel: record.id,
        });
      }
      case 'wsd':
        throw new ScanError('Unsupported', 'WSD scanning is not implemented yet; list the device as eSCL if it offers eSCL');
    }
  };
}
