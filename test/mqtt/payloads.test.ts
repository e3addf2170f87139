import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../src/core/errors.js';
import {
  bridgeEventPayload,
  commandJobId,
  deviceListPayload,
  errorResponse,
  okResponse,
  parseRequestPayload,
  refusedJobEvent,
} from '../../src/mqtt/payloads.js';
import { makeView } from './fake-gateway.js';

describe('bridge payloads', () => {
  it('device list entries hold exactly the contract fields, leaving unknown ones out', () => {
    const list = deviceListPayload([makeView('a', { serial: 'S1', admin_url: 'http://x' }), makeView('b', { manufacturer: undefined, model: undefined })]);
    expect(list).toEqual([
      { id: 'a', name: 'Scanner a', manufacturer: 'ACME', model: 'Scan 1', protocol: 'escl', url: 'http://192.0.2.7:8080/a/eSCL', online: true },
      { id: 'b', name: 'Scanner b', protocol: 'escl', url: 'http://192.0.2.7:8080/b/eSCL', online: true },
    ]);
    expect(bridgeEventPayload('device_offline', makeView('a'))).toMatchObject({ type: 'device_offline', data: { id: 'a' } });
  });

  it('refused job events echo a usable client id and carry the error', () => {
    const now = new Date('2025-01-02T03:04:05Z');
    const event = refusedJobEvent('office', Buffer.from('{"id":"mine","resolution":9}'), new ScanError('Unsupported', 'nope'), now);
    expect(event).toEqual({
      id: 'mine', scanner: 'office', state: 'failed', pages: 0, files: [], trigger: 'command',
      error: { code: 'Unsupported', message: 'nope' }, created_at: '2025-01-02T03:04:05.000Z', finished_at: '2025-01-02T03:04:05.000Z',
    });
    expect(refusedJobEvent('o', Buffer.from('{"id":42}'), new Error('x')).error).toEqual({ code: 'Internal', message: 'x' });
    expect(commandJobId(Buffer.from(JSON.stringify({ id: 'x'.repeat(129) })))).toBeUndefined();
    expect(commandJobId(Buffer.from('{"id":""}'))).toBeUndefined();
  });

  it('never throws on hostile command bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
      const event = refusedJobEvent('s', Buffer.from(bytes), new ScanError('InvalidRequest', 'bad'));
      return event.state === 'failed' && typeof event.id === 'string';
    }));
  });

  it('parses requests: empty is {}, anything but an object is a ScanError', () => {
    expect(parseRequestPayload(Buffer.from(' '))).toEqual({});
    expect(parseRequestPayload(Buffer.from('{"transaction":1}'))).toEqual({ transaction: 1 });
    for (const bad of ['{', 'null', '[]', '"x"', '3', '\u0000\u00ff']) {
      expect(() => parseRequestPayload(Buffer.from(bad))).toThrow(ScanError);
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1024 }), (bytes) => {
      try {
        parseRequestPayload(Buffer.from(bytes));
        return true;
      } catch (error) {
        return error instanceof ScanError && error.code === 'InvalidRequest';
      }
    }));
  });

  it('responses echo the transaction only when given', () => {
    expect(okResponse({ a: 1 }, undefined)).toEqual({ status: 'ok', data: { a: 1 } });
    expect(okResponse({}, 0)).toEqual({ status: 'ok', data: {}, transaction: 0 });
    expect(errorResponse(new ScanError('NotFound', 'gone'), 'x')).toEqual({ status: 'error', data: { code: 'NotFound' }, error: 'gone', transaction: 'x' });
  });
});
