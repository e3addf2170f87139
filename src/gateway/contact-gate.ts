/**
 * Whether a contact with a scanner is under way whose outcome nobody knows yet: from adoption, a
 * rediscovery of an offline scanner, or a command to one, until the next status poll settles.
 * A command waits for that verdict instead of being refused on one nobody has made yet.
 */

/** Longest a command waits for a scanner's first (or renewed) contact before it is refused as offline. */
export const CONTACT_WAIT_MS = 10_000;

/** One scanner's pending contact, and the commands waiting for it. */
export class ContactGate {
  private waiters = new Set<() => void>();
  // A new scanner has never been contacted: its state is unknown, not offline.
  private open = true;

  /** True while a contact is under way whose outcome is not known yet. */
  get pending(): boolean {
    return this.open;
  }

  /** A contact attempt is about to start (the caller schedules the poll). */
  expect(): void {
    this.open = true;
  }

  /** The contact attempt ended, either way; every waiting command goes on to look at the verdict. */
  settle(): void {
    this.open = false;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves true when the pending contact settles (at once when none is pending), false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean> {
    if (!this.open) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.waiters.add(wake);
    });
  }
}
