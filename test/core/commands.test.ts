/** The typed scan command every front door maps to: parsed field by field, every bound enforced, hostile input refused by name. */
import { describe, expect, it } from 'vitest';
import { parseScanCommand, SCAN_COMMAND_FIELDS } from '../../src/core/commands.js';

const refused = (value: unknown) => {
  try {
    parseScanCommand(value);
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
  throw new Error('accepted');
};

describe('parseScanCommand', () => {
  it('keeps every documented field, checked, and nothing else', () => {
    const full = { source: 'adf', resolution: 300, color_mode: 'gray', format: 'pdf', region: { x: 0, y: 0, width: 210, height: 297 }, brightness: -10, contrast: 5, profile: 'mail', id: 'ha-42' };
    expect(Object.keys(full).sort()).toEqual([...SCAN_COMMAND_FIELDS].sort());
    expect(parseScanCommand(full)).toEqual(full);
    expect(parseScanCommand({})).toEqual({});
  });

  it('refuses non-objects and unknown fields, naming the field', () => {
    for (const value of [null, [], 'scan', 42]) expect(refused(value)).toEqual({ code: 'InvalidRequest', message: 'command must be a JSON object' });
    expect(refused({ resolution: 300, __proto__x: 1 }).message).toBe('unknown field "__proto__x"');
    expect(refused(JSON.parse('{"__proto__": {"polluted": true}}')).message).toBe('unknown field "__proto__"');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('enforces each field type and bound', () => {
    expect(refused({ source: 'roll' }).message).toBe('source must be one of platen, adf, adf_duplex');
    for (const resolution of [0, -300, 300.5, 100_001, '300', Number.NaN]) expect(refused({ resolution }).message).toBe('resolution must be a positive whole number');
    expect(parseScanCommand({ resolution: 100_000 }).resolution).toBe(100_000);
    expect(refused({ brightness: Number.POSITIVE_INFINITY }).message).toBe('brightness must be a number');
    expect(refused({ profile: '' }).message).toBe('profile must be a string of 1 to 64 characters');
    expect(refused({ profile: 'p'.repeat(65) }).message).toBe('profile must be a string of 1 to 64 characters');
    expect(parseScanCommand({ profile: 'p'.repeat(64) }).profile).toHaveLength(64);
    expect(refused({ id: 'i'.repeat(129) }).message).toBe('id must be a string of 1 to 128 characters');
    expect(parseScanCommand({ id: 'i'.repeat(128) }).id).toHaveLength(128);
  });

  it('wants a region whole: four non-negative numbers and an area', () => {
    expect(refused({ region: [0, 0, 10, 10] }).message).toBe('region must be an object with x, y, width, height in mm');
    expect(refused({ region: { x: 0, y: 0, width: 10 } }).message).toBe('region.height must be a number of mm, 0 or more');
    expect(refused({ region: { x: -1, y: 0, width: 10, height: 10 } }).message).toBe('region.x must be a number of mm, 0 or more');
    expect(refused({ region: { x: 0, y: 0, width: 10, height: 10, depth: 1 } }).message).toBe('unknown region field "depth"');
    expect(refused({ region: { x: 0, y: 0, width: 0, height: 10 } }).message).toBe('region width and height must be greater than 0');
  });
});
