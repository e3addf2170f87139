/** SANE_Status → the gateway's typed errors. */
import { ScanError, type ErrorCode } from '../../core/errors.js';
import { SaneStatus } from './constants.js';

const STATUS_NAMES: Record<number, string> = {
  0: 'GOOD', 1: 'UNSUPPORTED', 2: 'CANCELLED', 3: 'DEVICE_BUSY', 4: 'INVAL', 5: 'EOF', 6: 'JAMMED',
  7: 'NO_DOCS', 8: 'COVER_OPEN', 9: 'IO_ERROR', 10: 'NO_MEM', 11: 'ACCESS_DENIED',
};

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  [SaneStatus.Unsupported]: 'Unsupported',
  [SaneStatus.Cancelled]: 'Cancelled',
  [SaneStatus.DeviceBusy]: 'DeviceBusy',
  [SaneStatus.Inval]: 'InvalidRequest',
  [SaneStatus.Jammed]: 'AdfJam',
  [SaneStatus.NoDocs]: 'AdfEmpty',
  [SaneStatus.CoverOpen]: 'CoverOpen',
  [SaneStatus.AccessDenied]: 'AccessDenied',
};

/** The SANE name of a status, e.g. `NO_DOCS`. */
export function saneStatusName(status: number): string {
  return STATUS_NAMES[status] ?? `status ${status}`;
}

/** The error a failing status means; IO_ERROR, NO_MEM and unknown codes are device errors. */
export function errorForStatus(status: number, what: string): ScanError {
  const code = STATUS_CODES[status] ?? 'DeviceError';
  return new ScanError(code, `${what} failed: SANE_STATUS_${saneStatusName(status)}`);
}

/** Throws unless the status is GOOD. */
export function expectGood(status: number, what: string): void {
  if (status !== SaneStatus.Good) throw errorForStatus(status, what);
}
