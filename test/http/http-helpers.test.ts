/**
 * The HTTP helpers the eSCL and WSD clients share. The clients' own tests drive them through
 * the simulators; these pin the bound and the mappings each client relies on.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../src/core/errors.js';
import { readBoundedText } from '../../src/http/bounded-body.js';
import { basicAuthorization, hostWithPort, redactAuthorization } from '../../src/http/request-headers.js';
import { transportError } from '../../src/http/transport-error.js';

const chunked = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

describe('readBoundedText', () => {
  it('reads a body of exactly the bound, across chunks', async () => {
    expect(await readBoundedText(chunked('ab', 'cd'), 4, () => new Error('too large'))).toBe('abcd');
  });

  it('throws the caller’s error one byte past the bound and destroys the body', async () => {
    const body = chunked('ab', 'cde', 'never read');
    await expect(readBoundedText(body, 4, () => new Error('too large'))).rejects.toThrow('too large');
    expect(body.destroyed).toBe(true);
  });
});

describe('transportError', () => {
  const timeout = Object.assign(new Error('headers'), { code: 'UND_ERR_HEADERS_TIMEOUT' });

  it('maps a timeout to DeviceOffline by default and to Timeout when asked', () => {
    expect(transportError(timeout, undefined, 'GET /x').code).toBe('DeviceOffline');
    expect(transportError(timeout, undefined, 'GET /x', { timeoutsAsTimeout: true })).toMatchObject({ code: 'Timeout', message: 'GET /x: the scanner stopped answering (UND_ERR_HEADERS_TIMEOUT)' });
  });

  it('keeps ScanErrors, and reports an abort as Cancelled whatever the error', () => {
    const own = new ScanError('ProtocolError', 'bad');
    expect(transportError(own, undefined, 'x')).toBe(own);
    const aborted = AbortSignal.abort();
    expect(transportError(own, aborted, 'x').code).toBe('Cancelled');
    expect(transportError(new Error('ECONNRESET'), undefined, 'GET /x')).toMatchObject({ code: 'DeviceOffline', message: 'GET /x failed: ECONNRESET' });
  });
});

describe('request headers', () => {
  it('writes the default port into Host', () => {
    expect(hostWithPort(new URL('http://scanner.local/eSCL/'))).toBe('scanner.local:80');
    expect(hostWithPort(new URL('https://10.0.0.5/ws'))).toBe('10.0.0.5:443');
    expect(hostWithPort(new URL('http://10.0.0.5:8080/'))).toBe('10.0.0.5:8080');
  });

  it('sends Basic auth only with credentials, and never traces the password', () => {
    expect(basicAuthorization(undefined)).toBeUndefined();
    expect(basicAuthorization({})).toBeUndefined();
    expect(basicAuthorization({ username: 'u', password: 'p' })).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(basicAuthorization({ password: 'p' })).toBe(`Basic ${Buffer.from(':p').toString('base64')}`);
    expect(redactAuthorization({ host: 'h', authorization: 'Basic x' })).toEqual({ host: 'h', authorization: '[redacted]' });
  });
});
