/** A bound button press: published first, then a scan with the binding's profile; a refusal is logged, never thrown. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ScanCommand } from '../../src/core/commands.js';
import { ScanError } from '../../src/core/errors.js';
import type { JobEvent } from '../../src/core/job.js';
import { scanOnButton } from '../../src/triggers/button-scan.js';

describe('button scan', () => {
  it('reports the press, then submits a button scan with the bound profile (none: the scanner choices)', async () => {
    const calls: string[] = [];
    const commands: ScanCommand[] = [];
    const press = scanOnButton(
      {
        reportButton: (scanner, button, action) => void calls.push(`press ${scanner}/${button} ${action}`),
        submitScan: async (scanner, command, trigger) => {
          calls.push(`scan ${scanner} ${trigger}`);
          commands.push(command);
          return { id: 'j', scanner, state: 'queued', pages: 0, files: [], created_at: '' } satisfies JobEvent;
        },
      },
      pino({ level: 'silent' }),
    );
    press({ scanner: 'office', button: 'email', profile: 'mail' }, { scanner: 'office', button: 'email', action: 'pressed' });
    press({ scanner: 'office', button: 'scan' }, { scanner: 'office', button: 'scan', action: 'pressed' });
    expect(calls).toEqual(['press office/email pressed', 'scan office button', 'press office/scan pressed', 'scan office button']);
    expect(commands).toEqual([{ profile: 'mail' }, {}]);
  });

  it('logs a refused scan as a warning naming the scanner and button', async () => {
    const lines: { msg: string; scanner?: string; button?: string; err?: { code?: string } }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const press = scanOnButton({ reportButton: () => undefined, submitScan: () => Promise.reject(new ScanError('DeviceBusy', 'busy')) }, logger);
    press({ scanner: 'office', button: 'scan' }, { scanner: 'office', button: 'scan', action: 'pressed' });
    await expect.poll(() => lines.length).toBe(1);
    expect(lines[0]).toMatchObject({ msg: 'button scan refused', scanner: 'office', button: 'scan', err: { code: 'DeviceBusy' } });
  });
});
