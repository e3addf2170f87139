/** The `bridge/request/homeassistant/clear` action, as the app wires it to the publisher's clearAll. */
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../src/core/errors.js';
import { handleBridgeRequest } from '../../src/mqtt/requests.js';
import { FakeGateway } from './fake-gateway.js';

describe('homeassistant/clear bridge request', () => {
  it('calls the wired clear and answers cleared', async () => {
    let calls = 0;
    const ctx = { gateway: new FakeGateway(), info: () => ({}), clearHomeAssistant: async () => void calls++ };
    expect(await handleBridgeRequest('homeassistant/clear', {}, ctx)).toEqual({ cleared: true });
    expect(calls).toBe(1);
  });

  it('answers Unsupported when nothing is wired', async () => {
    const error = await handleBridgeRequest('homeassistant/clear', {}, { gateway: new FakeGateway(), info: () => ({}) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScanError);
    expect((error as ScanError).code).toBe('Unsupported');
  });

  it('passes a failing clear on as the request error', async () => {
    const ctx = { gateway: new FakeGateway(), info: () => ({}), clearHomeAssistant: () => Promise.reject(new ScanError('DeviceOffline', 'broker gone')) };
    await expect(handleBridgeRequest('homeassistant/clear', {}, ctx)).rejects.toMatchObject({ code: 'DeviceOffline' });
  });
});
