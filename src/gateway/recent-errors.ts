/** A short memory of recent failures for the health report. */
import { toErrorPayload } from '../core/errors.js';

/** How many errors the health report keeps. */
export const RECENT_ERRORS_KEPT = 20;

/** A bounded list of the latest errors, newest first. */
export class RecentErrors {
  private readonly items: { at: string; scanner?: string; code: string; message: string }[] = [];

  /** Records an error (a thrown value or an already-built `{code, message}`). */
  add(scanner: string | undefined, error: unknown): void {
    const payload = isPayload(error) ? error : toErrorPayload(error);
    this.items.unshift({ at: new Date().toISOString(), ...(scanner ? { scanner } : {}), code: payload.code, message: payload.message });
    this.items.length = Math.min(this.items.length, RECENT_ERRORS_KEPT);
  }

  /** The kept errors, newest first. */
  list(): { at: string; scanner?: string; code: string; message: string }[] {
    return [...this.items];
  }
}

function isPayload(value: unknown): value is { code: string; message: string } {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value && !(value instanceof Error);
}
