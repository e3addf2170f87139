/** The SANE network protocol client: public entry points. */
export { createSaneDriver, listSaneDevices, type SaneDriverOptions, type ListSaneDevicesOptions } from './driver.js';
export type { SaneDevice } from './messages.js';
export { DEFAULT_SANE_TIMEOUTS, type SaneTimeouts } from './control-connection.js';
export { SANE_DEFAULT_PORT } from './constants.js';
