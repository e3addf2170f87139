/** MQTT's scan payloads mapped once, at the edge, to core's typed ScanCommand; the history query's field checks. */
import { describe, expect, it } from 'vitest';
import { parseHistoryQuery } from '../../src/core/commands.js';
import { parseScanPayload, scanCommandFor } from '../../src/mqtt/scan-command.js';

const known = { getScanner: (id: string) => (id === 'office' ? ({ id } as never) : undefined) };

describe('scan payload at the MQTT edge', () => {
  it('maps an empty payload to a default scan and a JSON object to a typed command', () => {
    expect(parseScanPayload(Buffer.alloc(0))).toEqual({});
    expect(parseScanPayload(' \n ')).toEqual({});
    expect(parseScanPayload('{"resolution":300,"region":{"x":0,"y":0,"width":100,"height":50},"id":"mine"}')).toEqual({ resolution: 300, region: { x: 0, y: 0, width: 100, height: 50 }, id: 'mine' });
  });

  it.each([
    ['{"resolution":', 'command is not valid JSON'],
    [Buffer.from([0xff, 0x00, 0xfe, 0x7b]), 'command is not valid JSON'],
    ['[1,2]', 'command must be a JSON object'],
    ['null', 'command must be a JSON object'],
    ['{"speed":"fast"}', 'unknown field "speed"'],
    ['{"resolution":-1}', 'resolution must be a positive whole number'],
    ['{"id":""}', 'id must be a string of 1 to 128 characters'],
    [JSON.stringify({ id: 'x'.repeat(129) }), 'id must be a string of 1 to 128 characters'],
    ['{"region":{"x":0,"y":0,"width":0,"height":5}}', 'region width and height must be greater than 0'],
  ])('refuses %s with InvalidRequest "%s"', (payload, message) => {
    expect(() => parseScanPayload(payload)).toThrow(expect.objectContaining({ code: 'InvalidRequest', message }));
  });

  it('an unknown scanner is what a command to it hears first, even when the command is malformed too', () => {
    expect(() => scanCommandFor(known, 'ghost', () => parseScanPayload('{"resolution":'))).toThrow(expect.objectContaining({ code: 'NotFound', message: 'no scanner with id "ghost"' }));
    expect(() => scanCommandFor(known, 'office', () => parseScanPayload('{"resolution":'))).toThrow(expect.objectContaining({ code: 'InvalidRequest' }));
    expect(scanCommandFor(known, 'office', () => parseScanPayload('{"format":"pdf"}'))).toEqual({ format: 'pdf' });
  });
});

describe('history query', () => {
  it('takes a scanner and a limit of 1 or more; refuses 0, fractions and empty scanner ids', () => {
    expect(parseHistoryQuery({})).toEqual({});
    expect(parseHistoryQuery({ scanner: 'office', limit: 1 })).toEqual({ scanner: 'office', limit: 1 });
    for (const limit of [0, 1.5, '3', -2]) expect(() => parseHistoryQuery({ limit })).toThrow('"limit" must be a whole number of 1 or more');
    expect(() => parseHistoryQuery({ scanner: '' })).toThrow('"scanner" must be a non-empty string');
  });
});
