/**
 * WSD (WS-Scan) as a protocol module: hand-listed service URLs (a bare host tries the service
 * locations real devices use), the driver, and WS-Discovery (config `discovery.wsd`), whose
 * device metadata this protocol reads so that discovery imports no protocol code.
 */
import type { DeviceRecord } from '../../core/device-record.js';
import { httpUrlHost, normaliseHttpUrl } from '../../core/http-url.js';
import type { ProtocolModule } from '../../core/protocol-module.js';
import { WsdDiscovery } from './discovery/wsd-discovery.js';
import { createCandidateDriver } from './candidate-driver.js';
import { createWsdDriver, probeWsdMetadata, type WsdDriverOptions } from './driver.js';
import type { WsdIdentity } from './identity.js';
import { candidateServiceUrls, parseWsdUrl } from './service-url.js';

/** The config `discovery` switch of WS-Discovery. */
export const WSD_DISCOVERY_SWITCH = 'wsd';

/** The WSD protocol module. */
export const wsdModule: ProtocolModule = {
  name: 'wsd',
  preference: 2,
  parseUrl(text) {
    const url = normaliseHttpUrl(parseWsdUrl(text.trim()).href);
    return { url, key: `url:${url}`, host: httpUrlHost(url) };
  },
  createDriver({ record, endpoint, logger, tracer }) {
    const identity = identityOf(record);
    const common: Omit<WsdDriverOptions, 'serviceUrl'> = {
      ...(identity ? { identity } : { askServiceForHost: true }),
      ...(record.credentials ? { credentials: record.credentials } : {}),
      insecureTls: endpoint.insecureTls ?? false,
      logger,
      tracer,
      deviceLabel: record.id,
    };
    const candidates = candidateServiceUrls(endpoint.url);
    const make = (serviceUrl: string) => createWsdDriver({ ...common, serviceUrl });
    return candidates.length === 1 ? make(endpoint.url) : createCandidateDriver(candidates, make, logger);
  },
  discovery({ switches, rescanIntervalMs, logger, tracer }) {
    if (switches[WSD_DISCOVERY_SWITCH] === false) return { sources: [], mdnsServices: [] };
    const discoveryLogger = logger.child({ component: 'wsd-discovery' });
    const source = new WsdDiscovery({
      logger: discoveryLogger,
      probeIntervalMs: rescanIntervalMs,
      fetchMetadata: (xaddr, endpointAddress, signal) => probeWsdMetadata(xaddr, endpointAddress, { logger: discoveryLogger, deviceLabel: xaddr, tracer }, signal),
    });
    return { sources: [source], mdnsServices: [] };
  },
};

const UUID_KEY = /^uuid:([0-9a-f-]{36})(?:[@#]|$)/;

/** What a discovered record already says about the device; undefined for a hand-listed one (known by URL). */
function identityOf(record: DeviceRecord): WsdIdentity | undefined {
  const uuid = UUID_KEY.exec(record.key)?.[1];
  if (uuid === undefined) return undefined;
  const identity: WsdIdentity = { uuid };
  if (record.manufacturer) identity.manufacturer = record.manufacturer;
  if (record.model) identity.model = record.model;
  if (record.serial) identity.serial = record.serial;
  if (record.adminUrl) identity.adminUrl = record.adminUrl;
  return identity;
}
