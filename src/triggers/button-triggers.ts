/**
 * Turns presses of bound scanner buttons (config `buttons`), from whichever trigger source
 * saw them, into a call of `onPress`, which publishes the press and starts the scan.
 * Presses of unbound buttons are dropped; without bindings no source is started.
 */
import type { Logger } from '../core/logger.js';
import { EVERY_SCANNER } from '../core/device-events.js';
import type { ButtonBinding } from './button-config.js';
import type { TriggerReport, TriggerSource } from './trigger-source.js';

/** What the button triggers are built from. */
export interface ButtonTriggersDeps {
  bindings: readonly ButtonBinding[];
  sources: readonly TriggerSource[];
  logger: Logger;
  /** A bound button was pressed. */
  onPress: (binding: ButtonBinding, press: TriggerReport) => void;
}

/** Routes presses from the sources to their bindings. */
export class ButtonTriggers {
  private started = false;

  constructor(private readonly deps: ButtonTriggersDeps) {}

  /** Starts every source (nothing to do without bindings). */
  start(): void {
    if (this.started || this.deps.bindings.length === 0) return;
    this.started = true;
    const wanted = this.deps.bindings.map(({ scanner, button }) => ({ scanner, button }));
    for (const source of this.deps.sources) source.start((press) => this.onReport(press), wanted);
  }

  /** Stops every source. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    for (const source of this.deps.sources) source.stop();
  }

  private onReport(press: TriggerReport): void {
    // A binding of this scanner wins over one of every scanner (`*`).
    const binding =
      this.deps.bindings.find((b) => b.scanner === press.scanner && b.button === press.button) ??
      this.deps.bindings.find((b) => b.scanner === EVERY_SCANNER && b.button === press.button);
    if (!binding) return;
    this.deps.logger.info({ scanner: press.scanner, button: press.button, action: press.action, profile: binding.profile }, 'scanner button pressed');
    this.deps.onPress(binding, press);
  }
}
