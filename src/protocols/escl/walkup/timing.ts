/** Waits and limits of the walk-up flow; options so tests can shrink them. */

/** Every wait the walk-up events use. */
export interface WalkupTiming {
  /** How long the device may hold one event-table read (its `timeout` parameter; at most 120 s). */
  eventWaitMs: number;
  /** Added to that wait before the gateway gives up on the answer. */
  eventHeadroomMs: number;
  /** Pause before the event table is read again after a failure, or when the device sent no etag. */
  retryDelayMs: number;
  /** Pause between reads of the dialogue state while the panel shows HostSelected. */
  compEventPollMs: number;
  /** Reads of the dialogue state before a press that never reaches ScanRequested is dropped. */
  compEventReads: number;
  /** Limit for removing the destinations at shutdown, and for a registration under way then to finish. */
  removeTimeoutMs: number;
}

/** Values that follow HP's own software (120 s long-poll, 1 s dialogue polling for its 60 s user timeout). */
export const DEFAULT_WALKUP_TIMING: Readonly<WalkupTiming> = {
  eventWaitMs: 120_000,
  eventHeadroomMs: 15_000,
  retryDelayMs: 5_000,
  compEventPollMs: 1_000,
  compEventReads: 60,
  removeTimeoutMs: 5_000,
};
