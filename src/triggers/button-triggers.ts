/**
 * Turns presses from whichever trigger source saw them into a call of `onPress` with the press's
 * binding (config `buttons`), or none: an unbound press of a watched scanner is still published.
 * Each source gets only the bindings it serves (its virtual buttons, or every real one); a source
 * with none is not started, so without bindings nothing is watched.
 */
import type { Logger } from '../core/logger.js';
import { EVERY_SCANNER } from '../core/device-events.js';
import type { ScannerView } from '../core/gateway-api.js';
import type { ButtonBinding } from './button-config.js';
import type { TriggerReport, TriggerSource, WantedButton } from './trigger-source.js';

/** What the button triggers are built from. */
export interface ButtonTriggersDeps {
  bindings: readonly ButtonBinding[];
  sources: readonly TriggerSource[];
  logger: Logger;
  /** A button was pressed; `binding` is undefined for a button nobody bound. */
  onPress: (binding: ButtonBinding | undefined, press: TriggerReport) => void;
}

/** Routes presses from the sources to their bindings. */
export class ButtonTriggers {
  private readonly started: TriggerSource[] = [];

  constructor(private readonly deps: ButtonTriggersDeps) {}

  /** Starts every source that serves at least one binding. */
  start(): void {
    if (this.started.length > 0) return;
    for (const source of this.deps.sources) {
      const wanted = this.wantedBy(source);
      if (wanted.length === 0) continue;
      this.started.push(source);
      source.start((press) => this.onReport(press), wanted);
    }
  }

  /** Stops every started source. */
  stop(): void {
    for (const source of this.started.splice(0)) source.stop();
  }

  /**
   * The virtual buttons bound for a scanner that apply to it (`adf_loaded` on a scanner with a
   * feeder): trigger sources beyond what the device reports, so it gets the Home Assistant event entity.
   */
  virtualButtonsOf(view: ScannerView): string[] {
    const virtual = this.deps.sources.flatMap((s) => s.virtualButtons ?? []);
    const bound = this.deps.bindings.filter((b) => b.scanner === view.id || b.scanner === EVERY_SCANNER).map((b) => b.button);
    return [...new Set(virtual.filter((v) => bound.includes(v.name) && v.appliesTo(view)).map((v) => v.name))];
  }

  private wantedBy(source: TriggerSource): WantedButton[] {
    const virtual = new Set(this.deps.sources.flatMap((s) => (s.virtualButtons ?? []).map((v) => v.name)));
    const own = source.virtualButtons?.map((v) => v.name);
    return this.deps.bindings
      .filter((b) => (own ? own.includes(b.button) : !virtual.has(b.button)))
      .map(({ scanner, button }) => ({ scanner, button }));
  }

  private onReport(press: TriggerReport): void {
    // A binding of this scanner wins over one of every scanner (`*`).
    const binding =
      this.deps.bindings.find((b) => b.scanner === press.scanner && b.button === press.button) ??
      this.deps.bindings.find((b) => b.scanner === EVERY_SCANNER && b.button === press.button);
    this.deps.logger.info(
      { scanner: press.scanner, button: press.button, action: press.action, profile: binding?.profile, binding: binding?.action ?? 'none' },
      'scanner button pressed',
    );
    this.deps.onPress(binding, press);
  }
}
