/**
 * Where button presses come from: the events scanners push (SANE sensors read by the driver,
 * WSD panel destinations, HP walk-up destinations), and virtual buttons the gateway makes up from
 * what it sees of a scanner (`adf_loaded`). Each is a source behind this face.
 */
import type { DeviceJob } from '../core/device-events.js';
import type { ScannerView } from '../core/gateway-api.js';

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

/** A button no device reports, made up by a source from what it sees of a scanner. */
export interface VirtualButton {
  name: string;
  /** Whether a scanner can have this button at all (`adf_loaded`: only one with a feeder). */
  appliesTo(view: ScannerView): boolean;
}

/** Reports presses until stopped. */
export interface TriggerSource {
  /**
   * The virtual buttons this source makes up: it is given only the bindings of these, and other
   * sources never see them. Without it the source serves every binding of a real button.
   */
  readonly virtualButtons?: readonly VirtualButton[];
  /** Starts reporting presses of (at least) the wanted buttons. */
  start(report: (press: TriggerReport) => void, wanted: readonly WantedButton[]): void;
  stop(): void;
}
