/** Typed errors: every failure that reaches a user carries a stable `code`. */
import type { JobStorageResult } from './job.js';

/** The codes a job event or bridge response can carry. */
export type ErrorCode =
  | 'InvalidRequest'
  | 'Unsupported'
  | 'DeviceOffline'
  | 'DeviceBusy'
  | 'DeviceError'
  | 'AdfEmpty'
  | 'AdfJam'
  | 'CoverOpen'
  | 'AccessDenied'
  | 'ProtocolError'
  | 'Timeout'
  | 'LimitExceeded'
  | 'Cancelled'
  | 'StorageFailed'
  | 'InsufficientStorage'
  | 'NotFound'
  | 'Internal';

/** An error the gateway knows how to report. */
export class ScanError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ScanError';
    this.code = code;
  }
}

/**
 * Storing a job failed after some of its documents were stored or kept in the outbox: the
 * failed job event still lists `result`, because those files exist under their final names.
 */
export class PartlyStoredError extends ScanError {
  readonly result: JobStorageResult;

  constructor(message: string, result: JobStorageResult, options?: { cause?: unknown }) {
    super('StorageFailed', message, options);
    this.name = 'PartlyStoredError';
    this.result = result;
  }
}

/** Shorthand constructors, so call sites read as the domain reads. */
export const invalidRequest = (message: string) => new ScanError('InvalidRequest', message);
/** A command named a scanner the gateway does not know. */
export const scannerNotFound = (id: string) => new ScanError('NotFound', `no scanner with id "${id}"`);
export const protocolError = (message: string, cause?: unknown) => new ScanError('ProtocolError', message, { cause });

/** The `{code, message}` pair published in job events, for any thrown value. */
export function toErrorPayload(error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof ScanError) return { code: error.code, message: error.message };
  if (error instanceof Error && error.name === 'AbortError') return { code: 'Cancelled', message: 'cancelled' };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'Internal', message };
}
