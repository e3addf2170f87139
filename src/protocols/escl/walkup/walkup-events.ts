/**
 * Walk-up "Scan to Computer" presses as device events. One destination per watched button is
 * registered, named for the panel, with the gateway's instance as its Hostname: that marks it
 * as this gateway's, so a leftover from an earlier run is reused or removed, and another
 * gateway's destinations are never touched nor answered (only presses on paths this session
 * holds count). The event table is read once before registering (what it holds then is old),
 * then long-polled with its etag; after a failure or any change the destinations are checked
 * again, so a device that restarted and forgot them gets them back. Aborting removes them.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { DeviceEvent, DeviceEventOptions } from '../../../core/device-events.js';
import { ScanError } from '../../../core/errors.js';
import type { Logger } from '../../../core/logger.js';
import type { AdfState } from '../../../core/status.js';
import type { WalkupClient } from './client.js';
import { MAX_DESTINATION_LABEL_CHARS } from './destinations.js';
import type { CompEventType, WalkupCaps, WalkupScanEvent } from './events.js';
import { walkupDeviceJob } from './panel-job.js';
import type { WalkupTiming } from './timing.js';

/** Instance used when the gateway names none. */
export const DEFAULT_WALKUP_INSTANCE = 'scan2mqtt';
/** Press stamps remembered to tell new ScanEvents from repeated ones. */
export const MAX_SEEN_STAMPS = 128;

/** What the walk-up events of one device are read with. */
export interface WalkupEventsDeps {
  client: WalkupClient;
  caps: WalkupCaps;
  logger: Logger;
  timing: WalkupTiming;
  /** The feeder's state now (eSCL ScannerStatus), which decides feeder or platen. */
  readAdf(signal: AbortSignal): Promise<AdfState | null>;
}

/** The label a button gets on the panel. */
export function panelLabel(button: string): string {
  return button.replace(/[\p{Cc}]/gu, ' ').trim().slice(0, MAX_DESTINATION_LABEL_CHARS);
}

/** Yields a button event per walk-up press until `signal` aborts; removes the destinations before it ends. */
export async function* walkupEvents(deps: WalkupEventsDeps, signal: AbortSignal, options: DeviceEventOptions): AsyncGenerator<DeviceEvent> {
  const hostname = panelLabel(options.instance ?? DEFAULT_WALKUP_INSTANCE);
  const buttons = [...new Set((options.buttons ?? []).filter((b) => panelLabel(b) !== ''))];
  const limit = deps.caps.maxDestinations ?? buttons.length;
  if (buttons.length > limit) deps.logger.warn({ limit, buttons: buttons.length }, 'HP walk-up: more bound buttons than the device keeps destinations; the rest are not shown');
  const wanted = buttons.slice(0, limit);
  /** Destination path → button, for the destinations this session holds. */
  const held = new Map<string, string>();
  const seen = new StampMemory();
  const panel: PanelDialogue = {};
  try {
    while (!signal.aborted && wanted.length > 0) {
      try {
        // The table is read before any destination is registered: a press on one the panel has
        // just shown is then a new ScanEvent, not one the baseline takes for old.
        let etag = await baseline(deps, seen, signal);
        await reconcile(deps, wanted, hostname, held, signal);
        while (!signal.aborted) {
          const read = await deps.client.eventTable(etag, deps.timing.eventWaitMs, deps.timing.eventHeadroomMs, signal);
          if (!read.changed) continue;
          if (read.etag === undefined) await delay(deps.timing.retryDelayMs, undefined, { signal });
          etag = read.etag;
          for (const event of read.events) {
            if (!seen.add(event)) continue;
            const button = held.get(event.destinationPath);
            // Another client's destination (another gateway, a PC): not ours to answer.
            if (button === undefined) continue;
            const state = await dialogue(deps, event, panel, signal);
            // A device may raise a ScanEvent per dialogue step: one request is answered once.
            if (state === undefined || state === panel.answered) continue;
            panel.answered = state;
            const destination = await deps.client.destination(event.destinationPath, signal);
            if (!destination) throw new ScanError('DeviceError', 'the pressed walk-up destination is gone');
            const adf = await deps.readAdf(signal).catch(() => null);
            yield { kind: 'button', button, action: 'press', deviceJob: walkupDeviceJob(destination, adf) };
          }
          // Any change may be a restart that forgot the destinations. The table just read is
          // handled and its etag kept: a second baseline here would swallow a press made on a
          // destination registered again before that read.
          await reconcile(deps, wanted, hostname, held, signal);
        }
      } catch (error) {
        if (signal.aborted) break;
        deps.logger.warn({ err: error }, 'HP walk-up: event table failed; registering again after a pause');
        await delay(deps.timing.retryDelayMs, undefined, { signal }).catch(() => undefined);
      }
    }
    if (!signal.aborted) await delay(2 ** 31 - 1, undefined, { signal }).catch(() => undefined);
  } finally {
    await removeAll(deps, held);
  }
}

/**
 * Makes the device hold exactly one destination per wanted button under this gateway's hostname:
 * reuses those it has, registers the missing, removes this gateway's stale ones.
 */
async function reconcile(deps: WalkupEventsDeps, wanted: readonly string[], hostname: string, held: Map<string, string>, signal: AbortSignal): Promise<void> {
  const ours = (await deps.client.destinations(signal)).filter((d) => d.hostname === hostname && d.path !== undefined);
  held.clear();
  // Changes to the device's destinations are let finish when the session stops: an aborted POST
  // may still register one whose path nobody learns, left on the panel after shutdown.
  const grace = outliving(signal, deps.timing.removeTimeoutMs);
  try {
    for (const button of wanted) {
      const existing = ours.find((d) => d.name === panelLabel(button) && d.path !== undefined && !held.has(d.path));
      if (existing?.path !== undefined) {
        held.set(existing.path, button);
        continue;
      }
      if (signal.aborted) break;
      const path = await deps.client.register(panelLabel(button), hostname, grace.signal);
      deps.logger.info({ button, path }, 'HP walk-up: destination registered');
      held.set(path, button);
    }
    for (const stale of ours.filter((d) => d.path !== undefined && !held.has(d.path))) {
      await deps.client.remove(stale.path as string, grace.signal).catch((error: unknown) => deps.logger.debug({ err: error }, 'HP walk-up: removing a stale destination failed'));
    }
  } finally {
    grace.release();
  }
}

/** A signal that aborts `graceMs` after `signal` does; `release` drops its timer and listener. */
function outliving(signal: AbortSignal, graceMs: number): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const start = () => (timer = setTimeout(() => controller.abort(signal.reason), graceMs));
  if (signal.aborted) start();
  else signal.addEventListener('abort', start, { once: true });
  return {
    signal: controller.signal,
    release() {
      signal.removeEventListener('abort', start);
      clearTimeout(timer);
    },
  };
}

/** Reads the table once and marks what it holds as seen, so presses from before are not replayed. */
async function baseline(deps: WalkupEventsDeps, seen: StampMemory, signal: AbortSignal): Promise<string | undefined> {
  const read = await deps.client.eventTable(undefined, 0, deps.timing.eventHeadroomMs, signal);
  if (!read.changed) return undefined;
  for (const event of read.events) seen.add(event);
  return read.etag;
}

/** The panel's dialogue as far as this session followed it. */
interface PanelDialogue {
  /** The request already answered in the current dialogue; cleared when a new one starts or it ends. */
  answered?: CompEventType;
}

/** Waits while the panel shows HostSelected; the state that asks for a scan, or undefined. */
async function dialogue(deps: WalkupEventsDeps, event: WalkupScanEvent, panel: PanelDialogue, signal: AbortSignal): Promise<CompEventType | undefined> {
  for (let read = 0; read < deps.timing.compEventReads; read += 1) {
    const state = await deps.client.compEvent(event.compEventPath, signal);
    if (state === 'ScanRequested' || state === 'ScanNewPageRequested') return state;
    delete panel.answered;
    if (state !== 'HostSelected') return undefined;
    await delay(deps.timing.compEventPollMs, undefined, { signal });
  }
  deps.logger.info('HP walk-up: the panel never asked for the scan; press dropped');
  return undefined;
}

async function removeAll(deps: WalkupEventsDeps, held: Map<string, string>): Promise<void> {
  const limit = AbortSignal.timeout(deps.timing.removeTimeoutMs);
  for (const path of held.keys()) {
    await deps.client.remove(path, limit).catch((error: unknown) => deps.logger.warn({ err: error, path }, 'HP walk-up: removing a destination at shutdown failed'));
  }
  held.clear();
}

/** The stamps of ScanEvents already handled, per destination, bounded. */
class StampMemory {
  private readonly stamps = new Set<string>();

  /** True when the event was not seen before. */
  add(event: WalkupScanEvent): boolean {
    const key = `${event.destinationPath}\n${event.agingStamp}`;
    if (this.stamps.has(key)) return false;
    this.stamps.add(key);
    if (this.stamps.size > MAX_SEEN_STAMPS) this.stamps.delete(this.stamps.values().next().value as string);
    return true;
  }
}
