import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CONTACT_WAIT_MS, ContactGate } from '../../src/gateway/contact-gate.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('ContactGate', () => {
  it('holds a new scanner\'s commands until its first contact settles, then lets all of them go in order', async () => {
    const gate = new ContactGate();
    expect(gate.pending).toBe(true);
    const woken: string[] = [];
    const first = gate.wait(CONTACT_WAIT_MS).then((settled) => woken.push(`first:${settled}`));
    const second = gate.wait(CONTACT_WAIT_MS).then((settled) => woken.push(`second:${settled}`));
    await vi.advanceTimersByTimeAsync(CONTACT_WAIT_MS - 1);
    expect(woken).toEqual([]);
    gate.settle();
    await Promise.all([first, second]);
    expect(woken).toEqual(['first:true', 'second:true']);
    expect(gate.pending).toBe(false);
  });

  it('gives up after the bound when the contact never settles', async () => {
    const gate = new ContactGate();
    const waiting = gate.wait(CONTACT_WAIT_MS);
    await vi.advanceTimersByTimeAsync(CONTACT_WAIT_MS);
    await expect(waiting).resolves.toBe(false);
    // A late verdict wakes nobody twice and the next contact can be waited for again.
    gate.settle();
    gate.expect();
    const again = gate.wait(CONTACT_WAIT_MS);
    gate.settle();
    await expect(again).resolves.toBe(true);
  });

  it('answers at once when no contact is under way', async () => {
    const gate = new ContactGate();
    gate.settle();
    await expect(gate.wait(CONTACT_WAIT_MS)).resolves.toBe(true);
  });
});
