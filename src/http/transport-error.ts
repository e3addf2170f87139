/** How a failed HTTP exchange with a device becomes a typed ScanError. */
import { ScanError } from '../core/errors.js';

/** How one protocol reports a device that stopped answering. */
export interface TransportErrorOptions {
  /** Undici header/body timeouts become `Timeout` (else `DeviceOffline`, like any other failure). */
  timeoutsAsTimeout?: boolean;
}

/** Maps any network failure to a ScanError: aborts become Cancelled, ScanErrors stay, the rest DeviceOffline (or Timeout). */
export function transportError(error: unknown, signal: AbortSignal | undefined, what: string, options: TransportErrorOptions = {}): ScanError {
  if (signal?.aborted) return new ScanError('Cancelled', 'cancelled', { cause: error });
  if (error instanceof ScanError) return error;
  const code = (error as { code?: unknown }).code;
  const detail = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  if (options.timeoutsAsTimeout === true && (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')) {
    return new ScanError('Timeout', `${what}: the scanner stopped answering (${detail})`, { cause: error });
  }
  return new ScanError('DeviceOffline', `${what} failed: ${detail}`, { cause: error });
}
