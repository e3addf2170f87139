/**
 * Turns successive readings of a device's buttons (which are down now) into presses, for
 * devices whose buttons can only be read, not heard (SANE sensor options, as scanbd does).
 */

/** A press is a change from up to down; the first reading, and one after an unreadable one, only sets the baseline. */
export class ButtonPressDetector {
  private last: Record<string, boolean> | undefined;

  /** The buttons pressed since the previous reading; `undefined` means the buttons could not be read now. */
  next(reading: Record<string, boolean> | undefined): string[] {
    const before = this.last;
    // Unknown now: forget the old state, so a button held while unreadable is not taken for a press.
    this.last = reading;
    if (!reading || !before) return [];
    return Object.keys(reading).filter((button) => reading[button] === true && before[button] !== true);
  }
}
