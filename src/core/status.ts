/** Device status in the normalised model. */

/** What the device says it is doing. `offline` is the gateway's verdict, not the device's. */
export type ScannerState = 'idle' | 'processing' | 'stopped';

/** Published status including the gateway's own `offline`. */
export type PublishedScannerState = ScannerState | 'offline';

/** The document feeder's state; `unknown` when the device reports something unrecognised. */
export type AdfState = 'loaded' | 'empty' | 'jam' | 'open' | 'unknown';

/** One status reading from a device. `adf` is null for devices without a feeder or that do not report it. */
export interface ScannerStatus {
  state: ScannerState;
  adf: AdfState | null;
  /** Device-specific reasons kept verbatim (e.g. eSCL StateReasons), for diagnostics. */
  reasons?: string[];
}
