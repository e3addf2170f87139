/**
 * Builds the driver of a device record with the module of its protocol. A device that also
 * speaks protocols whose drivers push events (an eSCL scanner with a WSD panel) gets a composite:
 * it scans through the presented protocol and hears the events of all (composite-driver.ts).
 */
import { ScanError } from '../core/errors.js';
import type { DeviceEndpoint } from '../core/device.js';
import type { DeviceRecord, DriverFactory } from '../core/device-record.js';
import type { Logger } from '../core/logger.js';
import type { ProtocolModule } from '../core/protocol-module.js';
import type { ScannerDriver } from '../core/scanner.js';
import type { ProtocolTracer } from '../core/trace.js';
import { createCompositeDriver } from './composite-driver.js';

/** What every driver shares. */
export interface DriverFactoryDeps {
  modules: readonly ProtocolModule[];
  logger: Logger;
  tracer: ProtocolTracer;
  /** `scan.jpeg_quality`, handed to every driver (unset: each driver's default). */
  jpegQuality?: number;
}

/** Returns a function that creates the right driver for a record; a record of no known protocol is Unsupported. */
export function createDriverFactory(deps: DriverFactoryDeps): DriverFactory {
  const byName = new Map(deps.modules.map((m) => [m.name, m]));
  const build = (module: ProtocolModule, record: DeviceRecord, endpoint: DeviceEndpoint): ScannerDriver => {
    const logger = deps.logger.child({ scanner: record.id, protocol: module.name });
    return module.createDriver({ record, endpoint, logger, tracer: deps.tracer, jpegQuality: deps.jpegQuality });
  };
  const companionsOf = (record: DeviceRecord): ScannerDriver[] => {
    const companions: ScannerDriver[] = [];
    for (const [protocol, endpoints] of Object.entries(record.otherEndpoints ?? {})) {
      const module = byName.get(protocol);
      const endpoint = endpoints?.[0];
      if (!module || !endpoint || protocol === record.protocol) continue;
      const { otherEndpoints: _others, ...rest } = record;
      try {
        const driver = build(module, { ...rest, protocol, endpoints: endpoints ?? [] }, endpoint);
        // Only its events are wanted: a companion that pushes none adds nothing.
        if (driver.events) companions.push(driver);
        else void driver.close().catch(() => undefined);
      } catch (error) {
        deps.logger.warn({ err: error, scanner: record.id, protocol }, 'cannot drive the device over its other protocol; its events are not heard');
      }
    }
    return companions;
  };
  return (record) => {
    const endpoint = record.endpoints[0];
    if (!endpoint) throw new ScanError('InvalidRequest', `device ${record.id} has no endpoint`);
    const module = byName.get(record.protocol);
    if (!module) throw new ScanError('Unsupported', `no protocol module speaks ${record.protocol}`);
    const primary = build(module, record, endpoint);
    const companions = companionsOf(record);
    if (companions.length === 0) return primary;
    const logger = deps.logger.child({ scanner: record.id, protocol: record.protocol });
    logger.info({ events_over: companions.map((c) => c.protocol) }, 'the device also speaks other protocols: their events are heard, scans stay on the presented one unless a press asks');
    return createCompositeDriver({ primary, companions, logger });
  };
}

/** Protocol names, most preferred first: which protocol a device that speaks several is used by. */
export function protocolPreference(modules: readonly ProtocolModule[]): string[] {
  return [...modules].sort((a, b) => a.preference - b.preference).map((m) => m.name);
}
