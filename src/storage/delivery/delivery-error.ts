/** Delivery failures that say whether trying again later can help (server down) or not (bad token, too big). */
import { ScanError } from '../../core/errors.js';
import { errnoCode } from '../storage-errors.js';

/** A failed delivery to a remote target; `retryable` tells the delivery queue whether to keep trying. */
export class DeliveryError extends ScanError {
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean, options?: { cause?: unknown }) {
    super('StorageFailed', message, options);
    this.name = 'DeliveryError';
    this.retryable = retryable;
  }
}

/** Socket-level errors that mean "the other side is not there right now". */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/**
 * File-system errors that pass by themselves: space is freed, quotas raised, files closed.
 * A delivery that meets one keeps its pages in the outbox and tries again.
 */
const TRANSIENT_FILE_SYSTEM_CODES = new Set(['ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE']);

/** How deep the `cause` chain is searched for a system error (ScanError → node error is two). */
const MAX_CAUSE_DEPTH = 4;

/** The errno codes along the `cause` chain of `error`, outermost first. */
function errnoCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current !== undefined; depth++) {
    const code = errnoCode(current);
    if (code !== undefined) codes.push(code);
    current = typeof current === 'object' && current !== null && 'cause' in current ? (current as { cause: unknown }).cause : undefined;
  }
  return codes;
}

/**
 * Whether a delivery that failed with `error` should be retried later. DeliveryErrors say so
 * themselves; a full disk or quota passes, whoever wrapped it; other ScanErrors (permission
 * denied, bad file name) need the operator; bare network errors are transient.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof DeliveryError) return error.retryable;
  const codes = errnoCodes(error);
  if (codes.some((code) => TRANSIENT_FILE_SYSTEM_CODES.has(code))) return true;
  if (error instanceof ScanError) return false;
  if (codes.some((code) => TRANSIENT_NETWORK_CODES.has(code))) return true;
  return error instanceof TypeError && /fetch failed|terminated|other side closed/i.test(error.message);
}

/** Whether an HTTP status is worth retrying: server errors, 408 timeout, 429 rate limit. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** A DeliveryError for an unexpected HTTP response; `what` names the request. */
export function httpDeliveryError(what: string, status: number, body: string): DeliveryError {
  const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  const hint = status === 401 || status === 403 ? ' (check the token or credentials)' : status === 413 ? ' (document too large for the server)' : '';
  return new DeliveryError(`${what}: HTTP ${status}${hint}${snippet ? `: ${snippet}` : ''}`, isRetryableStatus(status));
}

/** Wraps a thrown network error into a retryable DeliveryError naming the target. */
export function networkDeliveryError(what: string, error: unknown): ScanError {
  if (error instanceof ScanError) return error;
  const detail = error instanceof Error ? (errnoCode(error.cause) ?? errnoCode(error) ?? error.message) : String(error);
  // Whatever broke on the way (refused, reset, timed out), the next attempt may get through.
  return new DeliveryError(`${what}: ${detail}`, true, { cause: error });
}
