/**
 * A WSD device's pushed events as core DeviceEvents: a subscription to ScanAvailableEvent with
 * one panel destination per watched button, and one to the status events where the device
 * offers them. A press becomes a button event whose `deviceJob` carries the ScanIdentifier and
 * the destination's token, which the driver's scan sends with CreateScanJob.
 */
import { createHash } from 'node:crypto';
import type { ScanSource } from '../../core/capabilities.js';
import type { DeviceEvent, DeviceEventOptions, DeviceJob } from '../../core/device-events.js';
import type { Logger } from '../../core/logger.js';
import type { WsdClient } from './client.js';
import type { WsdEventEndpoints } from './event-endpoint.js';
import type { ScanDestination } from './eventing.js';
import { readNotification, SCAN_AVAILABLE_ACTION, STATUS_EVENT_ACTIONS, type WsdNotification } from './scan-events.js';
import type { PanelJobIdentity } from './scan-ops.js';
import type { WsdStatus } from './status.js';
import { WsdSubscription, type WsdSubscriptionTiming } from './subscription.js';

/** Events kept for a slow consumer; past this the oldest status events are dropped, never presses. */
export const MAX_PENDING_EVENTS = 64;
/** The `protocol` field of a WSD deviceJob. */
const DEVICE_JOB_PROTOCOL = 'wsd';
const SOURCES: readonly ScanSource[] = ['platen', 'adf', 'adf_duplex'];

/** What the events of one device are read with. */
export interface WsdEventsDeps {
  client: WsdClient;
  serviceUrl: string;
  logger: Logger;
  endpoints: WsdEventEndpoints;
  port: number;
  localAddress: () => Promise<string>;
  timing: WsdSubscriptionTiming;
  /** Reads ScannerStatus, after a condition event (which names one condition, not the whole status). */
  readStatus(signal: AbortSignal): Promise<WsdStatus>;
}

/** The ClientContext of a button's destination: stable across restarts, distinct per gateway instance. */
export function clientContextFor(instance: string, button: string): string {
  return `scan2mqtt:${createHash('sha256').update(`${instance}\n${button}`).digest('hex').slice(0, 24)}`;
}

/** A WSD deviceJob back as the panel identity CreateScanJob needs, and the source the panel chose. */
export function panelJobOf(deviceJob: DeviceJob | undefined): { panel: PanelJobIdentity; inputSource?: ScanSource } | undefined {
  if (deviceJob?.protocol !== DEVICE_JOB_PROTOCOL || !deviceJob.scanIdentifier) return undefined;
  const panel: PanelJobIdentity = { scanIdentifier: deviceJob.scanIdentifier };
  if (deviceJob.destinationToken) panel.destinationToken = deviceJob.destinationToken;
  const source = SOURCES.find((s) => s === deviceJob.inputSource);
  return source ? { panel, inputSource: source } : { panel };
}

/** Yields the device's events until `signal` aborts; unsubscribes before it ends. */
export async function* wsdDeviceEvents(deps: WsdEventsDeps, signal: AbortSignal, options: DeviceEventOptions): AsyncGenerator<DeviceEvent> {
  const instance = options.instance ?? 'scan2mqtt';
  const buttonsByContext = new Map((options.buttons ?? []).map((button) => [clientContextFor(instance, button), button]));
  const destinations: ScanDestination[] = [...buttonsByContext].map(([clientContext, clientDisplayName]) => ({ clientContext, clientDisplayName }));
  const inner = new AbortController();
  const stop = () => inner.abort();
  signal.addEventListener('abort', stop, { once: true });
  if (signal.aborted) inner.abort();
  inner.signal.addEventListener('abort', () => wake?.(), { once: true });
  const pending: DeviceEvent[] = [];
  let wake: (() => void) | undefined;
  let failure: unknown;
  const push = (event: DeviceEvent) => {
    if (pending.length >= MAX_PENDING_EVENTS) {
      const stale = pending.findIndex((e) => e.kind !== 'button');
      pending.splice(stale === -1 ? 0 : stale, 1);
    }
    pending.push(event);
    wake?.();
  };
  let statusRead: Promise<void> | undefined;
  const refreshStatus = () => {
    // A condition event names one condition; the status that results is read once, not per event.
    statusRead ??= deps
      .readStatus(inner.signal)
      .then((status) => push({ kind: 'status', status: status.status }))
      .catch((error: unknown) => deps.logger.debug({ err: error }, 'WSD: status read after a condition event failed'))
      .finally(() => (statusRead = undefined));
  };
  const subscription = (actions: readonly string[], extra: Partial<ConstructorParameters<typeof WsdSubscription>[0]>) => {
    const sub: WsdSubscription = new WsdSubscription({
      client: deps.client,
      serviceUrl: deps.serviceUrl,
      logger: deps.logger,
      endpoints: deps.endpoints,
      port: deps.port,
      localAddress: deps.localAddress,
      timing: deps.timing,
      actions,
      onEvent: (envelope) => onNotification(readNotification(envelope), sub),
      ...extra,
    });
    return sub;
  };
  const onNotification = (event: WsdNotification, from: WsdSubscription) => {
    switch (event.kind) {
      case 'scan_available': {
        const button = buttonsByContext.get(event.clientContext);
        // Another gateway's destination, or one of an older set: not ours to answer.
        if (button === undefined) return deps.logger.debug({ context: event.clientContext }, 'WSD: press for a destination that is not ours');
        const token = from.tokenFor(event.clientContext);
        if (token === undefined) deps.logger.warn({ button }, 'WSD: press without a destination token; the device may refuse the job');
        const deviceJob: Record<string, string> = { protocol: DEVICE_JOB_PROTOCOL, scanIdentifier: event.scanIdentifier };
        if (token !== undefined) deviceJob.destinationToken = token;
        if (event.inputSource) deviceJob.inputSource = event.inputSource;
        return push({ kind: 'button', button, action: 'press', deviceJob });
      }
      case 'status_summary':
        return push({ kind: 'status', status: event.status.status });
      case 'condition':
      case 'condition_cleared':
        return refreshStatus();
      case 'job_end':
        return push({ kind: 'job_ended', ...(event.jobId ? { deviceJobId: event.jobId } : {}), outcome: jobOutcome(event.state) });
      case 'subscription_end':
        deps.logger.info({ status: event.status }, 'WSD: the device ended a subscription');
        return from.ended();
      default:
        return deps.logger.debug({ action: event.action }, 'WSD: event ignored');
    }
  };

  const subscriptions = [subscription(STATUS_EVENT_ACTIONS, { optional: true })];
  if (destinations.length > 0) subscriptions.unshift(subscription([SCAN_AVAILABLE_ACTION], { destinations }));
  const runs = subscriptions.map((s) =>
    s.run(inner.signal).catch((error: unknown) => {
      failure ??= error;
      wake?.();
    }),
  );
  try {
    while (!inner.signal.aborted && failure === undefined) {
      const next = pending.shift();
      if (next) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    if (failure !== undefined && !inner.signal.aborted) throw failure;
  } finally {
    inner.abort();
    signal.removeEventListener('abort', stop);
    await Promise.allSettled(runs);
  }
}

function jobOutcome(state: string | undefined): 'completed' | 'aborted' | 'cancelled' {
  if (state === 'Completed') return 'completed';
  if (state === 'Canceled' || state === 'Cancelled') return 'cancelled';
  return 'aborted';
}
