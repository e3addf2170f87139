/**
 * Polls the buttons of scanners that have bound ones (SANE sensor options, the way scanbd
 * does) and turns a press into a button event and a scan. Only bound scanners are read: a
 * SANE device is exclusive while open, and reading buttons keeps it open.
 */
import type { Logger } from '../core/logger.js';
import type { ButtonBinding } from './button-config.js';

/** What the poller needs from the gateway. */
export interface ButtonPollerDeps {
  bindings: readonly ButtonBinding[];
  pollMs: number;
  logger: Logger;
  /** Current button states of a scanner; undefined when it cannot be read now (offline, scanning, no buttons). */
  readButtons: (scannerId: string) => Promise<Record<string, boolean> | undefined>;
  /** A bound button went down. */
  onPress: (binding: ButtonBinding) => void;
}

/** Reads bound buttons on an interval and reports presses (rising edges). */
export class ButtonPoller {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking = false;
  /** Last seen state per scanner and button; a press is a change from up to down. */
  private readonly last = new Map<string, Record<string, boolean>>();
  private readonly scanners: string[];

  constructor(private readonly deps: ButtonPollerDeps) {
    this.scanners = [...new Set(deps.bindings.map((b) => b.scanner))];
  }

  /** Starts polling (nothing to do without bindings). */
  start(): void {
    if (this.scanners.length === 0) return;
    this.running = true;
    this.schedule();
  }

  /** Stops polling. */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Reads every bound scanner once and reports presses; exposed so tests drive it without timers. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      for (const scanner of this.scanners) await this.read(scanner);
    } finally {
      this.ticking = false;
    }
  }

  private async read(scanner: string): Promise<void> {
    let state: Record<string, boolean> | undefined;
    try {
      state = await this.deps.readButtons(scanner);
    } catch (error) {
      this.deps.logger.debug({ err: error, scanner }, 'reading buttons failed');
    }
    if (!state) {
      // Unknown now: forget the old state, so a button held while unreadable is not taken for a press.
      this.last.delete(scanner);
      return;
    }
    const before = this.last.get(scanner);
    this.last.set(scanner, state);
    if (!before) return;
    for (const binding of this.deps.bindings) {
      if (binding.scanner === scanner && state[binding.button] === true && before[binding.button] !== true) {
        this.deps.logger.info({ scanner, button: binding.button, profile: binding.profile }, 'scanner button pressed');
        this.deps.onPress(binding);
      }
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), this.deps.pollMs);
    this.timer.unref();
  }
}
