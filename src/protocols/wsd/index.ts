/** Public surface of the WSD protocol: the driver, the metadata probe and the pure builders/parsers. */
export { createWsdDriver, fetchWsdMetadata, probeWsdMetadata, type WsdCapabilities, type WsdDriver, type WsdDriverOptions } from './driver.js';
export { parseMetadataResponse, buildTransferGet, isScannerService, type HostedService, type WsdDeviceMetadata } from './metadata.js';
export { capabilitiesFromNative, parseScannerElements, readScannerConfiguration, readScannerDescription, formatOf } from './capabilities.js';
export { readScannerStatus, type WsdStatus } from './status.js';
export { faultToError, readFault, WsdFaultError, type SoapFault } from './faults.js';
export { readMtomMessage, parseMultipartType, type MtomMessage } from './mtom.js';
export { identityFrom, uuidFromAddress, type WsdIdentity } from './identity.js';
export { buildScanTicket, type TicketQuirks } from './scan-ticket.js';
export { DEFAULT_WSD_TIMING, type WsdTiming } from './timing.js';
export type { WsdNativeCaps, WsdSourceNative } from './native.js';
export { candidateServiceUrls, parseWsdUrl, KNOWN_SERVICE_LOCATIONS } from './service-url.js';
