/**
 * What a press does: a scan with the binding's profile, published with its job; `event` bindings and
 * unbound buttons only publish; a press while busy is queued or refused by `button_busy`, and every
 * press is published exactly once with what became of it (none lost silently).
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ScanCommand } from '../../src/core/commands.js';
import { ScanError } from '../../src/core/errors.js';
import type { ButtonPress } from '../../src/core/gateway-api.js';
import type { JobEvent } from '../../src/core/job.js';
import type { ButtonBinding } from '../../src/triggers/button-config.js';
import { BUSY_REFUSAL, scanOnButton, type ButtonBusyPolicy, type ButtonScanPort } from '../../src/triggers/button-scan.js';

const silent = pino({ level: 'silent' });

/** A gateway port recording presses and scans; `busy` says whether a job runs; `refuse` rejects every submit. */
function port(options: { busy?: boolean; refuse?: ScanError } = {}) {
  const presses: [string, ButtonPress][] = [];
  const commands: [string, ScanCommand, string, unknown][] = [];
  let next = 0;
  const gateway: ButtonScanPort = {
    reportButton: (scanner, press) => void presses.push([scanner, press]),
    scannerBusy: () => options.busy ?? false,
    submitScan: async (scanner, command, trigger, submit) => {
      if (options.refuse) throw options.refuse;
      commands.push([scanner, command, trigger, submit?.deviceJob]);
      next += 1;
      return { id: `j${next}`, scanner, state: 'queued', pages: 0, files: [], created_at: '' } satisfies JobEvent;
    },
  };
  return { gateway, presses, commands };
}

const scanBinding = (extra: Partial<ButtonBinding> = {}): ButtonBinding => ({ scanner: 'office', button: 'scan', action: 'scan', ...extra });
const press = (button = 'scan', scanner = 'office') => ({ scanner, button, action: 'press' });
const handler = (gateway: ButtonScanPort, busy: ButtonBusyPolicy = 'queue') => scanOnButton(gateway, { busy, logger: silent });

describe('button scan', () => {
  it('submits a button scan with the bound profile (none: the scanner choices) and publishes the press with its job', async () => {
    const { gateway, presses, commands } = port();
    const onPress = handler(gateway);
    onPress(scanBinding({ button: 'email', profile: 'mail' }), press('email'));
    await expect.poll(() => presses.length).toBe(1);
    onPress(scanBinding(), press('scan'));
    await expect.poll(() => presses.length).toBe(2);
    expect(commands).toEqual([
      ['office', { profile: 'mail' }, 'button', undefined],
      ['office', {}, 'button', undefined],
    ]);
    expect(presses).toEqual([
      ['office', { button: 'email', action: 'press', result: 'started', job: 'j1' }],
      ['office', { button: 'scan', action: 'press', result: 'started', job: 'j2' }],
    ]);
  });

  it('uses the press’s scanner for a `*` binding and hands its deviceJob to the scan', async () => {
    const { gateway, presses, commands } = port();
    const deviceJob = { scanIdentifier: 's1' };
    handler(gateway)(scanBinding({ scanner: '*' }), { ...press('scan', 'mfp'), deviceJob });
    await expect.poll(() => presses.length).toBe(1);
    expect(commands).toEqual([['mfp', {}, 'button', deviceJob]]);
    expect(presses[0]?.[0]).toBe('mfp');
  });

  it('an `event` binding and an unbound button publish the press and scan nothing', () => {
    const { gateway, presses, commands } = port();
    const onPress = handler(gateway);
    onPress(scanBinding({ action: 'event' }), press('scan'));
    onPress(undefined, press('copy'));
    expect(commands).toEqual([]);
    expect(presses).toEqual([
      ['office', { button: 'scan', action: 'press', result: 'event' }],
      ['office', { button: 'copy', action: 'press', result: 'unbound' }],
    ]);
  });

  it('button_busy queue (the default): a press while a job runs is queued and says so', async () => {
    const { gateway, presses, commands } = port({ busy: true });
    handler(gateway, 'queue')(scanBinding(), press());
    await expect.poll(() => presses.length).toBe(1);
    expect(commands).toHaveLength(1);
    expect(presses[0]?.[1]).toEqual({ button: 'scan', action: 'press', result: 'queued', job: 'j1' });
  });

  it('button_busy refuse: a press while a job runs scans nothing and is published as refused with the reason', () => {
    const { gateway, presses, commands } = port({ busy: true });
    handler(gateway, 'refuse')(scanBinding(), press());
    expect(commands).toEqual([]);
    expect(presses).toEqual([['office', { button: 'scan', action: 'press', result: 'refused', reason: BUSY_REFUSAL }]]);
  });

  it('button_busy refuse still scans when the scanner is free', async () => {
    const { gateway, presses } = port({ busy: false });
    handler(gateway, 'refuse')(scanBinding(), press());
    await expect.poll(() => presses.length).toBe(1);
    expect(presses[0]?.[1].result).toBe('started');
  });

  it('a scan the gateway refuses is published as refused with the error, and logged as a warning', async () => {
    const lines: { msg: string; scanner?: string; button?: string; err?: { code?: string } }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const { gateway, presses } = port({ refuse: new ScanError('DeviceOffline', 'scanner office is offline') });
    scanOnButton(gateway, { busy: 'queue', logger })(scanBinding(), press());
    await expect.poll(() => presses.length).toBe(1);
    expect(presses[0]?.[1]).toEqual({ button: 'scan', action: 'press', result: 'refused', reason: 'DeviceOffline: scanner office is offline' });
    expect(lines[0]).toMatchObject({ msg: 'button scan refused', scanner: 'office', button: 'scan', err: { code: 'DeviceOffline' } });
  });
});

describe('presses close together', () => {
  it('a press while the previous press’s scan is still being submitted finds the scanner busy (queue: queued; refuse: refused)', async () => {
    for (const policy of ['queue', 'refuse'] as const) {
      const { gateway, presses, commands } = port({ busy: false });
      const onPress = handler(gateway, policy);
      // Two buttons read in one poll: the scanner is not busy yet when the second arrives, but its first scan is on the way.
      onPress(scanBinding(), press('scan'));
      onPress(scanBinding({ button: 'email' }), press('email'));
      await expect.poll(() => presses.length).toBe(2);
      const byButton = Object.fromEntries(presses.map(([, p]) => [p.button, p.result]));
      expect(byButton).toEqual({ scan: 'started', email: policy === 'queue' ? 'queued' : 'refused' });
      expect(commands).toHaveLength(policy === 'queue' ? 2 : 1);
    }
  });
});
