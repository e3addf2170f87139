/** Public surface of the eSCL protocol: the driver, the probe and the pure parsers/builder. */
export { createEsclDriver, probeEscl, type EsclDriver, type EsclDriverOptions } from './driver.js';
export { parseScannerCapabilities, type EsclCapabilities } from './capabilities.js';
export { parseScannerStatus, type EsclJobInfo, type EsclStatus } from './status.js';
export { buildScanSettingsXml, type EsclScanRequest } from './scan-settings.js';
export type { EsclNativeCaps, EsclRange, EsclResolution, EsclSourceNative } from './native.js';
export { DEFAULT_ESCL_TIMING, type EsclTiming } from './timing.js';
