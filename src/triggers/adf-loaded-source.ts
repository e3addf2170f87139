/**
 * The virtual button `adf_loaded`: paper put in a scanner's feeder. Fed by the gateway's scanner
 * state changes (the status poller reads the feeder of every protocol that reports it), not by a
 * protocol: a feeder seen empty and then loaded presses it once the paper has stayed in for the
 * debounce (sheets go in one by one); it is pressed again only after the feeder has been empty.
 * While bound, the scanner's status is polled faster (`polling.watched_s`).
 */
import { EVERY_SCANNER } from '../core/device-events.js';
import type { ScannerStatePayload, ScannerView } from '../core/gateway-api.js';
import type { AdfState } from '../core/status.js';
import type { TriggerReport, TriggerSource, VirtualButton } from './trigger-source.js';

/** The name of the virtual button. */
export const ADF_LOADED_BUTTON = 'adf_loaded';
/** Seconds the feeder must stay loaded before the press, unless configured (`adf_loaded_debounce_s`). */
export const DEFAULT_ADF_LOADED_DEBOUNCE_S = 2;
/** The press's `action`. */
export const ADF_LOADED_ACTION = 'loaded';

/** The part of the gateway this source needs (src/gateway/gateway.ts has it). */
export interface ScannerStateHub {
  getState(scannerId: string): ScannerStatePayload | undefined;
  listScanners(): ScannerView[];
  /** Polls the scanner's status (`*`: every scanner's) more often until the returned function is called. */
  watchStatus(scannerId: string): () => void;
  on(event: 'stateChanged', listener: (scannerId: string, state: ScannerStatePayload) => void): void;
  off(event: 'stateChanged', listener: (scannerId: string, state: ScannerStatePayload) => void): void;
}

/** Decides, from one scanner's successive feeder states, when paper was loaded. */
export class AdfLoadWatch {
  /** The feeder was seen empty since the last press. */
  private armed = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly debounceMs: number,
    private readonly press: () => void,
  ) {}

  /** The feeder's state now (null: not known, e.g. offline). */
  observe(adf: AdfState | null): void {
    if (adf === 'empty') this.armed = true;
    if (adf !== 'loaded') return this.cancel();
    if (!this.armed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armed = false;
      this.press();
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Forgets a load still settling (stop). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The virtual button as the triggers and Home Assistant see it: only scanners with a feeder have it. */
export const ADF_LOADED: VirtualButton = {
  name: ADF_LOADED_BUTTON,
  appliesTo: (view) => view.capabilities !== undefined && (view.capabilities.sources.adf !== undefined || view.capabilities.sources.adf_duplex !== undefined),
};

/** Builds the source; nothing is watched until start() is given an `adf_loaded` binding. */
export function createAdfLoadedSource(hub: ScannerStateHub, options: { debounceMs: number }): TriggerSource {
  const watches = new Map<string, AdfLoadWatch>();
  let unwatch: (() => void)[] = [];
  let listener: ((scannerId: string, state: ScannerStatePayload) => void) | undefined;
  return {
    virtualButtons: [ADF_LOADED],
    start(report: (press: TriggerReport) => void, wanted) {
      const scanners = new Set(wanted.filter((w) => w.button === ADF_LOADED_BUTTON).map((w) => w.scanner));
      if (scanners.size === 0) return;
      const every = scanners.has(EVERY_SCANNER);
      const watchOf = (scanner: string) => {
        let watch = watches.get(scanner);
        if (!watch) {
          watch = new AdfLoadWatch(options.debounceMs, () => report({ scanner, button: ADF_LOADED_BUTTON, action: ADF_LOADED_ACTION }));
          watches.set(scanner, watch);
        }
        return watch;
      };
      listener = (scanner, state) => {
        if (every || scanners.has(scanner)) watchOf(scanner).observe(state.adf);
      };
      hub.on('stateChanged', listener);
      // A feeder already loaded at start is no load: only a change from empty presses the button.
      for (const view of hub.listScanners()) listener(view.id, hub.getState(view.id) ?? { status: 'offline', adf: null, job: null });
      unwatch = [...scanners].map((scanner) => hub.watchStatus(scanner));
    },
    stop() {
      for (const done of unwatch.splice(0)) done();
      if (listener) hub.off('stateChanged', listener);
      listener = undefined;
      for (const watch of watches.values()) watch.cancel();
      watches.clear();
    },
  };
}
