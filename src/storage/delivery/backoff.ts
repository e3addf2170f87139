/** Exponential backoff between delivery attempts. Pure. */

/** Bounds of the delay between attempts. */
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
}

/** First retry after half a minute: a restarting NAS or paperless container is usually back by then. */
export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 30_000, maxMs: 60 * 60_000 };

/** Delay before attempt number `attempts + 1` after `attempts` failures: min·2^(attempts-1), capped at max. */
export function backoffDelay(attempts: number, options: BackoffOptions): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 40);
  return Math.min(options.maxMs, options.minMs * 2 ** exponent);
}
