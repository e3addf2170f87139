/**
 * The trigger source fed by the gateway's device events: it asks the gateway to watch the
 * scanners of the wanted buttons (only those: a SANE driver holds the device open to read its
 * sensors) and reports their button events.
 */
import type { DeviceEvent } from '../core/device-events.js';
import type { TriggerReport, TriggerSource, WantedButton } from './trigger-source.js';

/** The part of the gateway this source needs (src/gateway/gateway.ts has it). */
export interface DeviceEventHub {
  watchDeviceEvents(scannerId: string): () => void;
  on(event: 'deviceEvent', listener: (scannerId: string, event: DeviceEvent) => void): void;
  off(event: 'deviceEvent', listener: (scannerId: string, event: DeviceEvent) => void): void;
}

/** Builds the source; nothing is watched until start(). */
export function createDeviceEventSource(hub: DeviceEventHub): TriggerSource {
  let unwatch: (() => void)[] = [];
  let listener: ((scannerId: string, event: DeviceEvent) => void) | undefined;
  return {
    start(report: (press: TriggerReport) => void, wanted: readonly WantedButton[]) {
      const scanners = new Set(wanted.map((w) => w.scanner));
      listener = (scanner, event) => {
        if (event.kind === 'button' && scanners.has(scanner)) report({ scanner, button: event.button, action: event.action });
      };
      hub.on('deviceEvent', listener);
      unwatch = [...scanners].map((scanner) => hub.watchDeviceEvents(scanner));
    },
    stop() {
      for (const done of unwatch.splice(0)) done();
      if (listener) hub.off('deviceEvent', listener);
      listener = undefined;
    },
  };
}
