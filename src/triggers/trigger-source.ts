/**
 * Where button presses come from. Today one source: the events scanners push (SANE sensors
 * read by the driver). Issue 11's HP walk-up destinations, WSD panel destinations and the
 * virtual `adf_loaded` button become further sources behind this face.
 */
import type { DeviceJob } from '../core/device-events.js';

/** A press a source saw: which scanner, which button, what happened to it. */
export interface TriggerReport {
  scanner: string;
  button: string;
  action: string;
  /** The device's side of the scan the press asks for (opaque; handed back to its driver). */
  deviceJob?: DeviceJob;
}

/** A button a trigger listens for; a source may register it on the device (a WSD panel destination). */
export interface WantedButton {
  /** A scanner id, or `*` for every scanner. */
  scanner: string;
  button: string;
}

/** Reports presses until stopped. */
export interface TriggerSource {
  /** Starts reporting presses of (at least) the wanted buttons. */
  start(report: (press: TriggerReport) => void, wanted: readonly WantedButton[]): void;
  stop(): void;
}
