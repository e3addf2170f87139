import { describe, expect, it } from 'vitest';
import { DNS_LABEL_MAX_BYTES, FALLBACK_INSTANCE_NAME, instanceLabel, sameLabel } from '../../../src/escl-server/dns-sd/instance-name.js';

describe('DNS-SD instance names', () => {
  it('keeps ordinary names, spaces, parentheses and non-ASCII as they are', () => {
    expect(instanceLabel('Brother DCP-L2530DW series')).toBe('Brother DCP-L2530DW series');
    expect(instanceLabel('Büro (oben) – Scanner ✓')).toBe('Büro (oben) – Scanner ✓');
  });

  it('odd characters: dots (which would split the label), control characters, runs of blanks', () => {
    expect(instanceLabel('Canon MG3600 v2.0.local.')).toBe('Canon MG3600 v2-0-local-');
    expect(instanceLabel('a\u0000b\r\nc\t\td')).toBe('a b c d');
    expect(instanceLabel('  \u0001 ')).toBe(FALLBACK_INSTANCE_NAME);
    expect(instanceLabel('')).toBe(FALLBACK_INSTANCE_NAME);
  });

  it('bound: at most 63 bytes, cut on a character boundary, with room kept for the suffix', () => {
    const long = 'Scanner of the very long office name on the second floor, left wing';
    expect(Buffer.byteLength(instanceLabel(long))).toBeLessThanOrEqual(DNS_LABEL_MAX_BYTES);
    const emoji = '📠'.repeat(40);
    const label = instanceLabel(emoji);
    expect(Buffer.byteLength(label)).toBe(60); // 15 four-byte characters; a 16th would make 64
    expect(label).toBe('📠'.repeat(15));
    const second = instanceLabel(emoji, 12);
    expect(second.endsWith(' (12)')).toBe(true);
    expect(Buffer.byteLength(second)).toBeLessThanOrEqual(DNS_LABEL_MAX_BYTES);
    expect(instanceLabel('x'.repeat(63))).toHaveLength(63);
    expect(instanceLabel('x'.repeat(63), 2)).toBe(`${'x'.repeat(59)} (2)`);
  });

  it('compares case-insensitively in ASCII only', () => {
    expect(sameLabel('Office Scanner', 'office SCANNER')).toBe(true);
    expect(sameLabel('Büro', 'BÜRO')).toBe(false);
  });
});
