/** Delays, limits and timeouts of the eSCL client; options so tests can shrink them. */

/** Every wait and retry count the eSCL client uses. */
export interface EsclTiming {
  /** TCP/TLS connect. */
  connectTimeoutMs: number;
  /** Wait for response headers of ordinary requests. */
  headersTimeoutMs: number;
  /** Wait for NextDocument headers: the device answers when the page is scanned (HP DeskJet 2540 at 1200 dpi: ~9 min). */
  pageWaitMs: number;
  /** Longest silence while a body is streaming. */
  bodyIdleTimeoutMs: number;
  /** Pause before retrying a 503 (busy / warming up / page not ready). */
  busyRetryDelayMs: number;
  /** Retries of POST ScanJobs on 503 before reporting DeviceBusy (sane-airscan: 10). */
  scanJobsRetries: number;
  /** Retries of NextDocument on 503 (sane-airscan: 30; HP M28w needs many). */
  nextDocumentRetries: number;
  /** Retries of a 404/410 that ScannerStatus says is "not ready yet" (Xerox B2xx). */
  notReadyRetries: number;
  /** Pause before such a retry. */
  notReadyDelayMs: number;
  /** Upper bound of the pause between ADF pages (Brother false 404): min(this, half the last download). */
  interPageDelayMaxMs: number;
  /** Limit for the cleanup DELETE, which runs even after a cancel. */
  deleteTimeoutMs: number;
}

/** Values that work with the devices in PROTOCOLS.md. */
export const DEFAULT_ESCL_TIMING: Readonly<EsclTiming> = {
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 30_000,
  pageWaitMs: 600_000,
  bodyIdleTimeoutMs: 120_000,
  busyRetryDelayMs: 1_000,
  scanJobsRetries: 10,
  nextDocumentRetries: 30,
  notReadyRetries: 5,
  notReadyDelayMs: 1_000,
  interPageDelayMaxMs: 1_000,
  deleteTimeoutMs: 10_000,
};
