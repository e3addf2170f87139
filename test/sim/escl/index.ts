/** The eSCL device simulator: one import for tests, benchmarks and the CLI. */
export { EsclSimulator } from './simulator.js';
export type { EsclSimulatorOptions, RecordedRequest } from './options.js';
export { SIMULATOR_DEFAULTS } from './options.js';
export type { SimFault, SimFaultKind } from './faults.js';
export type { SimJob, SimJobState } from './sim-job.js';
export type { LocationStyle } from './location.js';
export type { SimImageKind } from './page-render.js';
export type { SimDeviceCaps, SimSourceCaps, SimSourceKind } from './device-caps.js';
export { parseDeviceCaps } from './device-caps.js';
export { parseScanSettings, type SimScanSettings } from './scan-settings.js';
export { fixturePath, DEFAULT_CAPABILITIES_FIXTURE } from './fixture-path.js';
export { announceEscl, esclTxtFor, DEFAULT_ESCL_TXT, type EsclAnnouncement, type AnnouncementHandle, type EsclTxt } from './announce.js';
export { WalkupDevice, SIM_MAX_DESTINATIONS, type PanelChoices, type SimDestination } from './walkup.js';
