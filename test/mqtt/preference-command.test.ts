import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../src/core/errors.js';
import {
  MAX_PREFERENCE_PAYLOAD_BYTES,
  parsePreferenceChange,
  parsePreferenceTopic,
} from '../../src/mqtt/preference-command.js';

const target = (key: 'source' | 'resolution' | 'color_mode' | 'format' | 'profile') => ({ scannerId: 'office', key });
const parse = (key: Parameters<typeof target>[0], text: string | Buffer) =>
  parsePreferenceChange(target(key), Buffer.isBuffer(text) ? text : Buffer.from(text));

describe('parsePreferenceTopic', () => {
  it('reads scanner and key under a plain or nested base topic', () => {
    expect(parsePreferenceTopic('scan2mqtt', 'scan2mqtt/office/set/resolution')).toEqual({ scannerId: 'office', key: 'resolution' });
    expect(parsePreferenceTopic('home/scanners', 'home/scanners/lide/set/color_mode')).toEqual({ scannerId: 'lide', key: 'color_mode' });
  });

  it('ignores other topics and unknown keys', () => {
    for (const topic of ['scan2mqtt/office/set', 'scan2mqtt/office/set/brightness', 'scan2mqtt/office/get/source', 'other/office/set/source', 'scan2mqtt//set/source', 'scan2mqtt/a/b/set/source', 'scan2mqtt/office/set/__proto__']) {
      expect(parsePreferenceTopic('scan2mqtt', topic)).toBeUndefined();
    }
  });
});

describe('parsePreferenceChange', () => {
  it('reads what HA selects send', () => {
    expect(parse('resolution', '300')).toEqual({ scannerId: 'office', key: 'resolution', value: 300 });
    expect(parse('source', 'adf_duplex').value).toBe('adf_duplex');
    expect(parse('color_mode', 'gray').value).toBe('gray');
    expect(parse('format', 'pdf').value).toBe('pdf');
    expect(parse('profile', 'receipts').value).toBe('receipts');
  });

  it('accepts JSON-quoted values and surrounding whitespace', () => {
    expect(parse('resolution', ' "600"\n').value).toBe(600);
    expect(parse('source', '"platen"').value).toBe('platen');
  });

  it.each([
    ['resolution', 'abc'],
    ['resolution', '-300'],
    ['resolution', '300.5'],
    ['resolution', '0'],
    ['resolution', '9999999'],
    ['resolution', '1e3'],
    ['source', 'feeder'],
    ['color_mode', 'COLOR'],
    ['format', 'gif'],
    ['format', ''],
    ['profile', '   '],
    ['source', '"unterminated'],
  ] as const)('refuses %s = %j with InvalidRequest', (key, text) => {
    expect(() => parse(key, text)).toThrowError(ScanError);
    try {
      parse(key, text);
    } catch (err) {
      expect((err as ScanError).code).toBe('InvalidRequest');
      expect((err as ScanError).message).toContain(key);
    }
  });

  it('refuses an oversized payload without reading it all', () => {
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x31);
    expect(() => parse('resolution', huge)).toThrowError(new RegExp(`longer than ${MAX_PREFERENCE_PAYLOAD_BYTES}`));
  });

  it('keeps error messages short when echoing hostile input', () => {
    try {
      parse('source', 'x'.repeat(200));
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(120);
    }
  });

  it('never throws anything but ScanError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom('source', 'resolution', 'color_mode', 'format', 'profile' as const), fc.uint8Array({ maxLength: 400 }), (key, bytes) => {
        try {
          parsePreferenceChange(target(key), Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(ScanError);
        }
      }),
    );
  });
});
