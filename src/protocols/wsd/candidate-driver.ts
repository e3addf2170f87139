/**
 * A hand-listed WSD host without a service path: the scan service may be at any of the
 * locations real devices use (service-url.ts). This driver tries them in order on first use
 * and keeps the first that answers GetScannerElements; until one does, every call tries again.
 */
import { ScanError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { WsdCapabilities, WsdDriver } from './driver.js';

/** Builds the driver of one candidate service URL. */
export type WsdDriverMaker = (serviceUrl: string) => WsdDriver;

/** A driver that finds its service among `candidates` (at least one). */
export function createCandidateDriver(candidates: readonly string[], make: WsdDriverMaker, logger: Logger): WsdDriver {
  let found: WsdDriver | undefined;
  let search: Promise<WsdDriver> | undefined;

  const locate = (signal?: AbortSignal): Promise<WsdDriver> => {
    if (found) return Promise.resolve(found);
    search ??= (async () => {
      let last: unknown;
      for (const url of candidates) {
        const driver = make(url);
        try {
          await driver.getWsdCapabilities(signal);
          logger.info({ url }, 'WSD scan service found');
          found = driver;
          return driver;
        } catch (error) {
          last = error;
          await driver.close().catch(() => undefined);
          if (signal?.aborted) break;
        }
      }
      const reason = last instanceof Error ? last.message : String(last);
      throw new ScanError('DeviceOffline', `no WSD scan service answered at ${candidates.join(', ')} (last: ${reason})`);
    })().finally(() => {
      search = undefined;
    });
    return search;
  };

  return {
    protocol: 'wsd',
    getWsdCapabilities: async (signal?: AbortSignal): Promise<WsdCapabilities> => (await locate(signal)).getWsdCapabilities(signal),
    getCapabilities: async (signal) => (await locate(signal)).getCapabilities(signal),
    getStatus: async (signal) => (await locate(signal)).getStatus(signal),
    scan: (settings, signal, deviceJob) =>
      (async function* () {
        yield* (await locate(signal)).scan(settings, signal, deviceJob);
      })(),
    scanFromPanel: (settings, panel, signal) =>
      (async function* () {
        yield* (await locate(signal)).scanFromPanel(settings, panel, signal);
      })(),
    // The subscription must outlive the job the panel starts (the device checks its token then).
    eventsDuringJobs: true,
    events: (signal, options) =>
      (async function* () {
        yield* (await locate(signal)).events(signal, options);
      })(),
    close: async () => {
      await search?.catch(() => undefined);
      await found?.close();
    },
  };
}
