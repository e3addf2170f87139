/**
 * One device driven through the protocol it is presented by, with the events of the other
 * protocols it speaks: an eSCL scanner that also offers WSD scans over eSCL and takes its panel's
 * presses over WSD. Capabilities, status and ordinary scans come from the presented protocol's
 * driver; events are merged from every driver that has them; a scan a press asked for runs on
 * the driver whose events carried it (its deviceJob names that protocol).
 */
import type { ScannerCapabilities } from '../core/capabilities.js';
import { DEVICE_JOB_PROTOCOL_FIELD, type DeviceEventKind, type DeviceJob } from '../core/device-events.js';
import type { Logger } from '../core/logger.js';
import type { ScannedPage, ScannerDriver } from '../core/scanner.js';
import type { ScanSettings } from '../core/settings.js';
import { fitSettings } from './fit-settings.js';
import { mergeDeviceEvents, ScanActivity } from './merged-events.js';

/**
 * How long a capabilities read waits for a companion's answer before publishing what is known:
 * an unreachable companion must not hold up the presented protocol's polls.
 */
export const COMPANION_CAPABILITIES_WAIT_MS = 3_000;

/** What a composite is built from. */
export interface CompositeDriverOptions {
  /** The driver of the protocol the record is presented by. */
  primary: ScannerDriver;
  /** Drivers of the device's other protocols that have events(). */
  companions: readonly ScannerDriver[];
  logger: Logger;
  companionWaitMs?: number;
  /** Pause before a failed part's events are opened again (merged-events.ts). */
  retryDelayMs?: number;
}

/** A driver that scans through `primary` and hears the events of every part. */
export function createCompositeDriver(options: CompositeDriverOptions): ScannerDriver {
  const { primary, companions, logger } = options;
  const parts = [primary, ...companions].filter((d) => d.events !== undefined);
  const activity = new ScanActivity();
  // Kinds each companion pushes, as it last said: kept when a later read is slow or fails.
  const companionKinds = new Map<ScannerDriver, readonly DeviceEventKind[]>();
  const waitMs = options.companionWaitMs ?? COMPANION_CAPABILITIES_WAIT_MS;

  const readCompanionKinds = async (signal?: AbortSignal): Promise<void> => {
    const reads = companions.map((companion) =>
      companion.getCapabilities(signal).then(
        (caps) => void companionKinds.set(companion, caps.events ?? []),
        (error: unknown) => logger.debug({ err: error, protocol: companion.protocol }, 'capabilities over the other protocol unavailable; its events stay as last known'),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([Promise.all(reads), waited]);
    clearTimeout(timer);
  };

  const partFor = (deviceJob: DeviceJob | undefined): ScannerDriver => {
    const protocol = deviceJob?.[DEVICE_JOB_PROTOCOL_FIELD];
    return (protocol !== undefined && parts.find((p) => p.protocol === protocol)) || primary;
  };

  const driver: ScannerDriver = {
    protocol: primary.protocol,
    eventsDuringJobs: parts.some((p) => p.eventsDuringJobs === true),
    async getCapabilities(signal?: AbortSignal): Promise<ScannerCapabilities> {
      const [caps] = await Promise.all([primary.getCapabilities(signal), readCompanionKinds(signal)]);
      const kinds = new Set<DeviceEventKind>(caps.events ?? []);
      for (const known of companionKinds.values()) for (const kind of known) kinds.add(kind);
      return kinds.size > 0 ? { ...caps, events: [...kinds] } : caps;
    },
    getStatus: (signal) => primary.getStatus(signal),
    scan(settings: ScanSettings, signal: AbortSignal, deviceJob?: DeviceJob): AsyncIterable<ScannedPage> {
      const target = partFor(deviceJob);
      return (async function* () {
        activity.begin();
        try {
          // The profile was fitted to the presented protocol's capabilities; the other protocol may list other values.
          const fitted = target === primary ? settings : fitSettings(settings, await target.getCapabilities(signal));
          yield* deviceJob ? target.scan(fitted, signal, deviceJob) : target.scan(fitted, signal);
        } finally {
          activity.end();
        }
      })();
    },
    async close() {
      await Promise.allSettled([primary, ...companions].map((d) => d.close()));
    },
  };
  if (parts.length > 0) driver.events = (signal, eventOptions) => mergeDeviceEvents(parts, signal, eventOptions, { logger, activity, ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}) });
  if (primary.readButtons) driver.readButtons = (signal) => primary.readButtons!(signal);
  return driver;
}
