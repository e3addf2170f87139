/**
 * The events of one device heard through several protocols' drivers, as one stream. Each part
 * runs on its own: one that fails is tried again after a pause without tearing down the others
 * (a WS-Eventing subscription must not churn because another protocol's poll failed), and one
 * whose events hold the device (eventsDuringJobs false) is paused while a scan runs.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DEVICE_JOB_PROTOCOL_FIELD, type DeviceEvent, type DeviceEventOptions } from '../core/device-events.js';
import type { Logger } from '../core/logger.js';
import type { ScannerDriver } from '../core/scanner.js';

/** A part whose events failed is opened again after this. */
export const PART_RETRY_DELAY_MS = 5_000;
/** Events kept for a slow consumer; past this the oldest non-press events are dropped. */
export const MAX_MERGED_PENDING = 64;

/** Whether scans run on the device now, and news of their start and end. */
export class ScanActivity {
  private running = 0;
  private readonly startListeners = new Set<() => void>();
  private readonly idleWaiters = new Set<() => void>();

  /** A scan started. */
  begin(): void {
    this.running += 1;
    if (this.running === 1) for (const listener of [...this.startListeners]) listener();
  }

  /** A scan ended (finished, failed or cancelled). */
  end(): void {
    this.running = Math.max(0, this.running - 1);
    if (this.running > 0) return;
    for (const resolve of [...this.idleWaiters]) resolve();
    this.idleWaiters.clear();
  }

  /** Resolves once no scan runs (at once when none does) or `signal` aborts. */
  idle(signal: AbortSignal): Promise<void> {
    if (this.running === 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.idleWaiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.idleWaiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Calls `listener` whenever a scan starts while none ran; returns its removal. */
  onStart(listener: () => void): () => void {
    this.startListeners.add(listener);
    return () => this.startListeners.delete(listener);
  }
}

/** What merged events are read with. */
export interface MergedEventsDeps {
  logger: Logger;
  activity: ScanActivity;
  retryDelayMs?: number;
}

/**
 * Yields the events of every part until `signal` aborts or every part has ended by itself. A
 * press's deviceJob is tagged with the protocol of the part that heard it (DEVICE_JOB_PROTOCOL_FIELD).
 */
export async function* mergeDeviceEvents(parts: readonly ScannerDriver[], signal: AbortSignal, options: DeviceEventOptions, deps: MergedEventsDeps): AsyncGenerator<DeviceEvent> {
  const inner = new AbortController();
  const stop = () => inner.abort();
  signal.addEventListener('abort', stop, { once: true });
  if (signal.aborted) inner.abort();
  const pending: DeviceEvent[] = [];
  let wake: (() => void) | undefined;
  inner.signal.addEventListener('abort', () => wake?.(), { once: true });
  const push = (event: DeviceEvent) => {
    if (pending.length >= MAX_MERGED_PENDING) {
      const stale = pending.findIndex((e) => e.kind !== 'button');
      pending.splice(stale === -1 ? 0 : stale, 1);
    }
    pending.push(event);
    wake?.();
  };
  let live = parts.length;
  const runs = parts.map((part) =>
    runPart(part, inner.signal, options, push, deps).finally(() => {
      live -= 1;
      wake?.();
    }),
  );
  try {
    while (!inner.signal.aborted) {
      const next = pending.shift();
      if (next) {
        yield next;
        continue;
      }
      if (live === 0) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    inner.abort();
    signal.removeEventListener('abort', stop);
    await Promise.allSettled(runs);
  }
}

/** Runs one part's events until `signal` aborts or they end by themselves; pauses it during scans when its events hold the device. */
async function runPart(part: ScannerDriver, signal: AbortSignal, options: DeviceEventOptions, push: (event: DeviceEvent) => void, deps: MergedEventsDeps): Promise<void> {
  const pausable = part.eventsDuringJobs !== true;
  while (!signal.aborted) {
    if (pausable) await deps.activity.idle(signal);
    if (signal.aborted) return;
    const session = new AbortController();
    const linked = AbortSignal.any([signal, session.signal]);
    const unlisten = pausable ? deps.activity.onStart(() => session.abort()) : () => undefined;
    try {
      for await (const event of part.events?.(linked, options) ?? []) {
        if (linked.aborted) break;
        push(tagged(event, part.protocol));
      }
      // Ended by itself (not paused for a scan): this part has nothing more to say.
      if (!session.signal.aborted) return;
    } catch (error) {
      if (signal.aborted) return;
      if (!session.signal.aborted) {
        deps.logger.debug({ err: error, protocol: part.protocol }, 'device events of one protocol ended with an error; trying again later');
        await delay(deps.retryDelayMs ?? PART_RETRY_DELAY_MS, undefined, { signal }).catch(() => undefined);
      }
    } finally {
      unlisten();
    }
  }
}

function tagged(event: DeviceEvent, protocol: string): DeviceEvent {
  if (event.kind !== 'button' || !event.deviceJob) return event;
  return { ...event, deviceJob: { ...event.deviceJob, [DEVICE_JOB_PROTOCOL_FIELD]: protocol } };
}
