/**
 * The trigger source fed by the gateway's device events: it asks the gateway to watch the
 * scanners of the wanted buttons (only those: a SANE driver holds the device open to read its
 * sensors; `*` watches all), naming the buttons (a WSD panel lists them), and reports their button events.
 */
import { EVERY_SCANNER, type DeviceEvent } from '../core/device-events.js';
import type { TriggerReport, TriggerSource, WantedButton } from './trigger-source.js';

/** The part of the gateway this source needs (src/gateway/gateway.ts has it). */
export interface DeviceEventHub {
  watchDeviceEvents(scannerId: string, buttons?: readonly string[]): () => void;
  on(event: 'deviceEvent', listener: (scannerId: string, event: DeviceEvent) => void): void;
  off(event: 'deviceEvent', listener: (scannerId: string, event: DeviceEvent) => void): void;
}

/** Builds the source; nothing is watched until start(). */
export function createDeviceEventSource(hub: DeviceEventHub): TriggerSource {
  let unwatch: (() => void)[] = [];
  let listener: ((scannerId: string, event: DeviceEvent) => void) | undefined;
  return {
    start(report: (press: TriggerReport) => void, wanted: readonly WantedButton[]) {
      const byScanner = new Map<string, string[]>();
      for (const w of wanted) byScanner.set(w.scanner, [...(byScanner.get(w.scanner) ?? []), w.button]);
      const every = byScanner.has(EVERY_SCANNER);
      listener = (scanner, event) => {
        if (event.kind !== 'button' || !(every || byScanner.has(scanner))) return;
        report({ scanner, button: event.button, action: event.action, ...(event.deviceJob ? { deviceJob: event.deviceJob } : {}) });
      };
      hub.on('deviceEvent', listener);
      unwatch = [...byScanner].map(([scanner, buttons]) => hub.watchDeviceEvents(scanner, buttons));
    },
    stop() {
      for (const done of unwatch.splice(0)) done();
      if (listener) hub.off('deviceEvent', listener);
      listener = undefined;
    },
  };
}
