/** eSCL (AirScan) as a protocol module: hand-listed base URLs, the driver, `_uscan(s)._tcp` browsing. */
import { httpUrlHost } from '../../core/http-url.js';
import type { MdnsServiceType } from '../../core/mdns-service.js';
import type { ProtocolModule } from '../../core/protocol-module.js';
import { normaliseEsclUrl } from './base-url.js';
import { createEsclDriver } from './driver.js';
import { findingFromService } from './mdns/to-finding.js';

/** eSCL scanners announce `_uscan._tcp` (plain HTTP) and `_uscans._tcp` (HTTPS); each service is a device. */
export const esclMdnsServices: readonly MdnsServiceType[] = [
  { type: 'uscan', toFinding: (service, context) => findingFromService(service, context) },
  { type: 'uscans', toFinding: (service, context) => findingFromService(service, context) },
];

/** The eSCL protocol module. */
export const esclModule: ProtocolModule = {
  name: 'escl',
  preference: 1,
  parseUrl(text) {
    const url = normaliseEsclUrl(text);
    return { url, key: `url:${url}`, host: httpUrlHost(url) };
  },
  createDriver: ({ record, endpoint, logger, tracer }) =>
    createEsclDriver({
      baseUrl: endpoint.url,
      insecureTls: endpoint.insecureTls ?? false,
      ...(record.credentials ? { credentials: record.credentials } : {}),
      logger,
      tracer,
      deviceLabel: record.id,
    }),
  discovery: () => ({ sources: [], mdnsServices: [...esclMdnsServices] }),
};
