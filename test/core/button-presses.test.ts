/** Readings of a device's buttons become presses on the change from up to down. */
import { describe, expect, it } from 'vitest';
import { ButtonPressDetector } from '../../src/core/button-presses.js';

describe('ButtonPressDetector', () => {
  it('takes the first reading as the baseline and reports each rising edge once', () => {
    const presses = new ButtonPressDetector();
    expect(presses.next({ scan: true, email: false })).toEqual([]);
    expect(presses.next({ scan: true, email: true })).toEqual(['email']);
    expect(presses.next({ scan: false, email: true })).toEqual([]);
    expect(presses.next({ scan: true, email: true })).toEqual(['scan']);
  });

  it('takes a button that appears down for a press, and none after an unreadable reading', () => {
    const presses = new ButtonPressDetector();
    presses.next({});
    expect(presses.next({ copy: true })).toEqual(['copy']);
    presses.next({ copy: false });
    expect(presses.next(undefined)).toEqual([]);
    expect(presses.next({ copy: true })).toEqual([]);
  });
});
