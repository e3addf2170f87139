/**
 * Scanner buttons: presses are rising edges of bound buttons, nothing else. The readings go
 * through the detector a polling driver uses (SANE), its button events through the device
 * event trigger source, and the bindings' router, as in the gateway.
 */
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ButtonPressDetector } from '../../src/core/button-presses.js';
import type { DeviceEvent } from '../../src/core/device-events.js';
import { parseButtonsConfig, type ButtonBinding } from '../../src/triggers/button-config.js';
import { ButtonTriggers } from '../../src/triggers/button-triggers.js';
import { createDeviceEventSource, type DeviceEventHub } from '../../src/triggers/device-event-source.js';

const logger = pino({ level: 'silent' });
type Reading = Record<string, boolean> | undefined | Error;

/**
 * A gateway whose watched scanners each have a polling driver: every tick reads each watched
 * scanner once (the scripted reading; an Error is a failed read) and emits its presses as device events.
 */
class ScriptedHub implements DeviceEventHub {
  private readonly events = new EventEmitter();
  private readonly watched = new Map<string, ButtonPressDetector>();
  readonly reads: string[] = [];

  constructor(private readonly readings: Record<string, Reading[]>) {}

  watchDeviceEvents(scannerId: string): () => void {
    this.watched.set(scannerId, new ButtonPressDetector());
    return () => this.watched.delete(scannerId);
  }
  on(event: 'deviceEvent', listener: (scannerId: string, event: DeviceEvent) => void): void {
    this.events.on(event, listener);
  }
  off(event: 'deviceEvent', listener: (scannerId: string, event: DeviceEvent) => void): void {
    this.events.off(event, listener);
  }

  async tick(): Promise<void> {
    for (const [scanner, presses] of this.watched) {
      this.reads.push(scanner);
      const next = this.readings[scanner]?.shift();
      for (const button of presses.next(next instanceof Error ? undefined : next)) {
        this.events.emit('deviceEvent', scanner, { kind: 'button', button, action: 'press' } satisfies DeviceEvent);
      }
    }
  }
}

/** The button triggers over scripted readings: each tick takes the next reading of each watched scanner. */
function poller(bindings: ButtonBinding[], readings: Record<string, Reading[]>) {
  const presses: (ButtonBinding | string)[] = [];
  const hub = new ScriptedHub(readings);
  // An unbound press is passed on too (it is published), without a binding.
  const triggers = new ButtonTriggers({ bindings, sources: [createDeviceEventSource(hub)], logger, onPress: (binding, press) => presses.push(binding ?? `unbound ${press.button}`) });
  const instance = {
    start: () => triggers.start(),
    stop: () => triggers.stop(),
    tick: () => {
      triggers.start();
      return hub.tick();
    },
  };
  return { instance, presses, reads: hub.reads };
}

describe('button poller', () => {
  it('reports a press on the change from up to down, once, and not for the first reading', async () => {
    const binding: ButtonBinding = { scanner: 'lide', button: 'scan', profile: 'document', action: 'scan' };
    const { instance, presses } = poller([binding], {
      lide: [{ scan: true }, { scan: true }, { scan: false }, { scan: true }, { scan: true }, { scan: false }, { scan: true }],
    });
    for (let i = 0; i < 7; i++) await instance.tick();
    expect(presses).toEqual([binding, binding]);
  });

  it('passes unbound presses of a watched scanner on without a binding, and reads only scanners that have bindings', async () => {
    const { instance, presses, reads } = poller([{ scanner: 'lide', button: 'email', action: 'scan' }], {
      lide: [{ scan: false, email: false }, { scan: true, email: false }, { scan: true, email: true }],
    });
    for (let i = 0; i < 3; i++) await instance.tick();
    expect(presses).toEqual(['unbound scan', { scanner: 'lide', button: 'email', action: 'scan' }]);
    expect(new Set(reads)).toEqual(new Set(['lide']));
  });

  it('takes no press from a reading after the scanner was unreadable (offline, scanning, failed read)', async () => {
    const { instance, presses } = poller([{ scanner: 'lide', button: 'scan', action: 'scan' }], {
      lide: [{ scan: false }, undefined, { scan: true }, new Error('connection refused'), { scan: true }, { scan: false }, { scan: true }],
    });
    for (let i = 0; i < 7; i++) await instance.tick();
    expect(presses).toHaveLength(1);
  });

  it('does not poll at all without bindings', () => {
    const { instance, reads } = poller([], {});
    instance.start();
    instance.stop();
    expect(reads).toEqual([]);
  });
});

describe('buttons config', () => {
  it('accepts bindings and names the field of a bad one', () => {
    expect(parseButtonsConfig([{ scanner: 'lide', button: 'scan', profile: 'document' }])).toEqual([{ scanner: 'lide', button: 'scan', profile: 'document', action: 'scan' }]);
    expect(parseButtonsConfig([{ scanner: 'lide', button: 'email', action: 'event' }])).toEqual([{ scanner: 'lide', button: 'email', action: 'event' }]);
    expect(() => parseButtonsConfig([{ scanner: 'lide', button: 'scan', action: 'copy' }])).toThrow(/buttons\[0\]\.action: must be one of scan, event/);
    expect(() => parseButtonsConfig([{ scanner: 'lide', button: 'scan', action: 'event', profile: 'document' }])).toThrow(/buttons\[0\]\.profile: an "event" binding/);
    expect(() => parseButtonsConfig([{ scanner: 'lide' }])).toThrow(/buttons\[0\]\.button/);
    expect(() => parseButtonsConfig([{ scanner: 'lide', button: 'scan', colour: 1 }])).toThrow(/buttons\[0\]\.colour: unknown field/);
    expect(() => parseButtonsConfig([{ scanner: 'a', button: 'b' }, { scanner: 'a', button: 'b' }])).toThrow(/bound twice/);
    expect(() => parseButtonsConfig('x')).toThrow(/must be a list/);
  });

  it('takes panel entry names as people write them, and `*` for every scanner', () => {
    expect(parseButtonsConfig([{ scanner: '*', button: 'Scan to HA' }])).toEqual([{ scanner: '*', button: 'Scan to HA', action: 'scan' }]);
    expect(parseButtonsConfig([{ scanner: 'mfp', button: 'Büro (Kasse)' }])).toEqual([{ scanner: 'mfp', button: 'Büro (Kasse)', action: 'scan' }]);
    for (const bad of [' Scan', 'Scan ', 'a\nb', '', 'x'.repeat(65)]) expect(() => parseButtonsConfig([{ scanner: 'mfp', button: bad }])).toThrow(/buttons\[0\]\.button/);
    expect(() => parseButtonsConfig([{ scanner: 'a*', button: 'scan' }])).toThrow(/buttons\[0\]\.scanner/);
  });
});

describe('button bindings of every scanner', () => {
  /** A hub the test pushes device events through; it records what was watched. */
  class PushHub implements DeviceEventHub {
    readonly events = new EventEmitter();
    readonly watched: [string, readonly string[] | undefined][] = [];
    watchDeviceEvents(scannerId: string, buttons?: readonly string[]): () => void {
      this.watched.push([scannerId, buttons]);
      return () => undefined;
    }
    on(event: 'deviceEvent', listener: (scannerId: string, event: DeviceEvent) => void): void {
      this.events.on(event, listener);
    }
    off(event: 'deviceEvent', listener: (scannerId: string, event: DeviceEvent) => void): void {
      this.events.off(event, listener);
    }
  }

  it('a `*` binding answers every scanner’s press with the press’s scanner and deviceJob; a scanner’s own binding wins', () => {
    const hub = new PushHub();
    const seen: [ButtonBinding | undefined, string, unknown][] = [];
    const bindings: ButtonBinding[] = [
      { scanner: '*', button: 'Scan to HA', profile: 'document', action: 'scan' },
      { scanner: 'mfp', button: 'Scan to HA', profile: 'photo', action: 'scan' },
    ];
    const triggers = new ButtonTriggers({ bindings, sources: [createDeviceEventSource(hub)], logger, onPress: (binding, press) => seen.push([binding, press.scanner, press.deviceJob]) });
    triggers.start();
    expect(hub.watched).toEqual([
      ['*', ['Scan to HA']],
      ['mfp', ['Scan to HA']],
    ]);
    const deviceJob = { protocol: 'wsd', scanIdentifier: 's1', destinationToken: 't1' };
    hub.events.emit('deviceEvent', 'office', { kind: 'button', button: 'Scan to HA', action: 'press', deviceJob } satisfies DeviceEvent);
    hub.events.emit('deviceEvent', 'mfp', { kind: 'button', button: 'Scan to HA', action: 'press' } satisfies DeviceEvent);
    hub.events.emit('deviceEvent', 'office', { kind: 'button', button: 'Other', action: 'press' } satisfies DeviceEvent);
    expect(seen).toEqual([
      [bindings[0], 'office', deviceJob],
      [bindings[1], 'mfp', undefined],
      [undefined, 'office', undefined],
    ]);
    triggers.stop();
  });
});

describe('buttons in the gateway configuration', () => {
  it('loads bindings from SCAN2MQTT_BUTTONS and refuses a binding to an unknown profile, naming it', async () => {
    const { loadConfig } = await import('../../src/config/load.js');
    const profiles = JSON.stringify({ document: { format: 'pdf' } });
    const config = loadConfig({ argv: [], env: { SCAN2MQTT_PROFILES: profiles, SCAN2MQTT_BUTTONS: '[{"scanner":"lide","button":"scan","profile":"document"}]' } });
    expect(config.buttons).toEqual([{ scanner: 'lide', button: 'scan', profile: 'document', action: 'scan' }]);
    expect(config.button_poll_ms).toBe(500);
    // The defaults a user gets: a press while busy waits its turn; a load settles 2 s; watched feeders polled every 2 s.
    expect(config.button_busy).toBe('queue');
    expect(config.adf_loaded_debounce_s).toBe(2);
    expect(config.polling.watched_s).toBe(2);
    expect(loadConfig({ argv: [], env: { SCAN2MQTT_BUTTON_BUSY: 'refuse' } }).button_busy).toBe('refuse');
    expect(() => loadConfig({ argv: [], env: { SCAN2MQTT_BUTTON_BUSY: 'drop' } })).toThrow(/button_busy/);
    expect(() => loadConfig({ argv: [], env: { SCAN2MQTT_ADF_LOADED_DEBOUNCE_S: '61' } })).toThrow(/adf_loaded_debounce_s/);
    expect(() => loadConfig({ argv: [], env: { SCAN2MQTT_BUTTONS: '[{"scanner":"lide","button":"scan","profile":"photo"}]' } })).toThrow(/buttons\[0\]\.profile: unknown profile "photo"/);
  });
});
