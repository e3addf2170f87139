/** Delays, limits and timeouts of the WS-Scan client; options so tests can shrink them. */

/** Every wait and retry count the WS-Scan client uses. */
export interface WsdTiming {
  /** TCP connect. */
  connectTimeoutMs: number;
  /** Wait for response headers of ordinary SOAP calls. */
  headersTimeoutMs: number;
  /** Wait for RetrieveImage headers: devices answer once the page is scanned (Epson WF-3640 starts late). */
  imageWaitMs: number;
  /** Longest silence while a body is streaming. */
  bodyIdleTimeoutMs: number;
  /** Pause before retrying CreateScanJob while the device calibrates or warms its lamp. */
  busyRetryDelayMs: number;
  /** Retries of CreateScanJob for such passing states (PROTOCOLS.md B.6: about 30 at 1 s). */
  createJobRetries: number;
  /** Limit for the CancelJob sent after a cancel or failure, which runs even after an abort. */
  cancelTimeoutMs: number;
}

/** Values that work with the devices in PROTOCOLS.md. */
export const DEFAULT_WSD_TIMING: Readonly<WsdTiming> = {
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 30_000,
  imageWaitMs: 300_000,
  bodyIdleTimeoutMs: 120_000,
  busyRetryDelayMs: 1_000,
  createJobRetries: 30,
  cancelTimeoutMs: 10_000,
};
