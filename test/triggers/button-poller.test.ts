/** The button poller: presses are rising edges of bound buttons, nothing else. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseButtonsConfig, type ButtonBinding } from '../../src/triggers/button-config.js';
import { ButtonPoller } from '../../src/triggers/button-poller.js';

const logger = pino({ level: 'silent' });

/** A poller over scripted readings: each tick takes the next reading of each scanner. */
function poller(bindings: ButtonBinding[], readings: Record<string, (Record<string, boolean> | undefined | Error)[]>) {
  const presses: ButtonBinding[] = [];
  const reads: string[] = [];
  const instance = new ButtonPoller({
    bindings,
    pollMs: 1000,
    logger,
    readButtons: async (scanner) => {
      reads.push(scanner);
      const next = readings[scanner]?.shift();
      if (next instanceof Error) throw next;
      return next;
    },
    onPress: (binding) => presses.push(binding),
  });
  return { instance, presses, reads };
}

describe('button poller', () => {
  it('reports a press on the change from up to down, once, and not for the first reading', async () => {
    const binding = { scanner: 'lide', button: 'scan', profile: 'document' };
    const { instance, presses } = poller([binding], {
      lide: [{ scan: true }, { scan: true }, { scan: false }, { scan: true }, { scan: true }, { scan: false }, { scan: true }],
    });
    for (let i = 0; i < 7; i++) await instance.tick();
    expect(presses).toEqual([binding, binding]);
  });

  it('ignores buttons that are not bound and reads only scanners that have bindings', async () => {
    const { instance, presses, reads } = poller([{ scanner: 'lide', button: 'email' }], {
      lide: [{ scan: false, email: false }, { scan: true, email: false }, { scan: true, email: true }],
    });
    for (let i = 0; i < 3; i++) await instance.tick();
    expect(presses).toEqual([{ scanner: 'lide', button: 'email' }]);
    expect(new Set(reads)).toEqual(new Set(['lide']));
  });

  it('takes no press from a reading after the scanner was unreadable (offline, scanning, failed read)', async () => {
    const { instance, presses } = poller([{ scanner: 'lide', button: 'scan' }], {
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
    expect(parseButtonsConfig([{ scanner: 'lide', button: 'scan', profile: 'document' }])).toEqual([{ scanner: 'lide', button: 'scan', profile: 'document' }]);
    expect(() => parseButtonsConfig([{ scanner: 'lide' }])).toThrow(/buttons\[0\]\.button/);
    expect(() => parseButtonsConfig([{ scanner: 'lide', button: 'scan', colour: 1 }])).toThrow(/buttons\[0\]\.colour: unknown field/);
    expect(() => parseButtonsConfig([{ scanner: 'a', button: 'b' }, { scanner: 'a', button: 'b' }])).toThrow(/bound twice/);
    expect(() => parseButtonsConfig('x')).toThrow(/must be a list/);
  });
});

describe('buttons in the gateway configuration', () => {
  it('loads bindings from SCAN2MQTT_BUTTONS and refuses a binding to an unknown profile, naming it', async () => {
    const { loadConfig } = await import('../../src/config/load.js');
    const profiles = JSON.stringify({ document: { format: 'pdf' } });
    const config = loadConfig({ argv: [], env: { SCAN2MQTT_PROFILES: profiles, SCAN2MQTT_BUTTONS: '[{"scanner":"lide","button":"scan","profile":"document"}]' } });
    expect(config.buttons).toEqual([{ scanner: 'lide', button: 'scan', profile: 'document' }]);
    expect(config.button_poll_ms).toBe(500);
    expect(() => loadConfig({ argv: [], env: { SCAN2MQTT_BUTTONS: '[{"scanner":"lide","button":"scan","profile":"photo"}]' } })).toThrow(/buttons\[0\]\.profile: unknown profile "photo"/);
  });
});
