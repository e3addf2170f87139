/** Assertions on the typed errors parsers of device input must throw, shared by the hostile-input tests. */
import { expect } from 'vitest';
import { ScanError } from '../../src/core/errors.js';

/** Runs `work` and returns the ScanError it threw, failing the test on any other outcome. */
export function scanErrorOf(work: () => unknown): ScanError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ScanError);
    return error as ScanError;
  }
  throw new Error('expected a ScanError');
}

/** Runs every parser on `input`: each may succeed or throw a ScanError, never anything else. */
export function expectOnlyScanErrors(parsers: readonly ((input: string) => unknown)[], input: string): void {
  for (const parse of parsers) {
    try {
      parse(input);
    } catch (error) {
      if (!(error instanceof ScanError)) throw error;
    }
  }
}
