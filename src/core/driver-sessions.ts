/**
 * Small pieces every driver with a cache and with event subscriptions needs (eSCL, WSD): a read
 * kept once it succeeded, and the event sessions that close() must end before sockets go.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** `read` run once and its answer kept; a failed read is not kept, so the next call asks the device again. */
export function keepOnSuccess<T>(read: (signal?: AbortSignal) => Promise<T>): (signal?: AbortSignal) => Promise<T> {
  let kept: Promise<T> | undefined;
  return (signal) => {
    if (!kept) {
      const pending = read(signal);
      kept = pending;
      pending.catch(() => {
        if (kept === pending) kept = undefined;
      });
    }
    return kept;
  };
}

/** The open `events()` streams of one driver. */
export class EventSessions {
  private readonly open = new Set<{ abort: AbortController; done: Promise<void> }>();

  /** Runs `stream(signal)` as a session that ends when `signal` or closeAll() aborts it. */
  run<T>(signal: AbortSignal, stream: (linked: AbortSignal) => AsyncIterable<T>): AsyncIterable<T> {
    const abort = new AbortController();
    const linked = AbortSignal.any([signal, abort.signal]);
    let ended!: () => void;
    const session = { abort, done: new Promise<void>((resolve) => (ended = resolve)) };
    this.open.add(session);
    const sessions = this.open;
    return (async function* () {
      try {
        yield* stream(linked);
      } finally {
        sessions.delete(session);
        ended();
      }
    })();
  }

  /** Aborts every session and waits for them to clean up on the device (unsubscribe, remove destinations), at most `limitMs`. */
  async closeAll(limitMs: number): Promise<void> {
    const open = [...this.open];
    for (const session of open) session.abort.abort();
    if (open.length === 0) return;
    const limit = new AbortController();
    await Promise.race([Promise.all(open.map((s) => s.done)), delay(limitMs, undefined, { signal: limit.signal }).catch(() => undefined)]);
    limit.abort();
  }
}
