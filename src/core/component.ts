/**
 * A long-lived part as the composition root starts and stops it. The root lists its parts in
 * start order and stops them in reverse, so a part that must start late but stop late (a
 * publisher that reads the scanners found so far, then publishes their final state) is listed
 * as two steps: one that only starts it near the end, one that only stops it near the start.
 */

/** One step of the gateway's start (in list order) and stop (in reverse). */
export interface Component {
  /** Names the step in logs. */
  readonly name: string;
  /** Brings the part up; may be missing when an earlier-listed step does that. */
  start?(): void | Promise<void>;
  /**
   * Takes the part down; may be missing when a later-listed step does that. May run while its own
   * start is still pending (it must then make that start end soon) and once more after it settled.
   */
  stop?(): void | Promise<void>;
}
