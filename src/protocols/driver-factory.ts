/** Builds the driver of a device record with the module of its protocol. */
import { ScanError } from '../core/errors.js';
import type { DriverFactory } from '../core/device-record.js';
import type { Logger } from '../core/logger.js';
import type { ProtocolModule } from '../core/protocol-module.js';
import type { ProtocolTracer } from '../core/trace.js';

/** What every driver shares. */
export interface DriverFactoryDeps {
  modules: readonly ProtocolModule[];
  logger: Logger;
  tracer: ProtocolTracer;
}

/** Returns a function that creates the right driver for a record; a record of no known protocol is Unsupported. */
export function createDriverFactory(deps: DriverFactoryDeps): DriverFactory {
  const byName = new Map(deps.modules.map((m) => [m.name, m]));
  return (record) => {
    const endpoint = record.endpoints[0];
    if (!endpoint) throw new ScanError('InvalidRequest', `device ${record.id} has no endpoint`);
    const module = byName.get(record.protocol);
    if (!module) throw new ScanError('Unsupported', `no protocol module speaks ${record.protocol}`);
    const logger = deps.logger.child({ scanner: record.id, protocol: record.protocol });
    return module.createDriver({ record, endpoint, logger, tracer: deps.tracer });
  };
}

/** Protocol names, most preferred first: which protocol a device that speaks several is used by. */
export function protocolPreference(modules: readonly ProtocolModule[]): string[] {
  return [...modules].sort((a, b) => a.preference - b.preference).map((m) => m.name);
}
