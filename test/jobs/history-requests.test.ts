/** The bridge requests of the control side: `history`, `deliveries`, `delivery/drop`, `delivery/retry` (pure handlers over GatewayApi). */
import { describe, expect, it } from 'vitest';
import { handleBridgeRequest } from '../../src/mqtt/requests.js';
import { FakeGateway } from '../mqtt/fake-gateway.js';

function context() {
  const gateway = new FakeGateway();
  gateway.historyEntries = [
    { id: 'b', scanner: 'lide', state: 'done', pages: 1, files: ['/s/b.jpg'], created_at: '2026-01-01T00:02:00Z', target_names: [] },
    { id: 'a', scanner: 'office', state: 'failed', pages: 0, files: [], created_at: '2026-01-01T00:01:00Z', error: { code: 'DeviceError', message: 'jam' }, profile: 'document', target_names: ['paperless'] },
  ];
  gateway.deliveryViews = [{ id: 'd1', target: 'paperless', state: 'pending', job: 'a', scanner: 'office', pages: 2, bytes: 10, attempts: 1, created_at: '2026-01-01T00:00:00Z' }];
  return { gateway, info: () => ({}) };
}

describe('history bridge request', () => {
  it('returns jobs newest first, optionally of one scanner and limited', async () => {
    const ctx = context();
    expect(await handleBridgeRequest('history', {}, ctx)).toEqual({ jobs: ctx.gateway.historyEntries });
    expect(await handleBridgeRequest('history', { scanner: 'office' }, ctx)).toEqual({ jobs: [ctx.gateway.historyEntries[1]] });
    expect(((await handleBridgeRequest('history', { limit: 1 }, ctx)) as { jobs: unknown[] }).jobs).toHaveLength(1);
  });

  it.each([[{ limit: 0 }], [{ limit: 'ten' }], [{ limit: 1.5 }], [{ scanner: 5 }], [{ scanner: '' }]])('refuses %j', async (request) => {
    await expect(handleBridgeRequest('history', request, context())).rejects.toMatchObject({ code: 'InvalidRequest' });
  });
});

describe('delivery bridge requests', () => {
  it('lists waiting deliveries and drops one by id', async () => {
    const ctx = context();
    expect(await handleBridgeRequest('deliveries', {}, ctx)).toEqual({ deliveries: [expect.objectContaining({ id: 'd1', target: 'paperless' })] });
    expect(await handleBridgeRequest('delivery/drop', { id: 'd1' }, ctx)).toEqual({ id: 'd1' });
    await expect(handleBridgeRequest('delivery/drop', { id: 'd1' }, ctx)).rejects.toMatchObject({ code: 'NotFound' });
    await expect(handleBridgeRequest('delivery/drop', {}, ctx)).rejects.toMatchObject({ code: 'InvalidRequest' });
  });

  it('retries one waiting delivery by id, or all with {}', async () => {
    const ctx = context();
    ctx.gateway.deliveryViews.push({ ...ctx.gateway.deliveryViews[0]!, id: 'd2' }, { ...ctx.gateway.deliveryViews[0]!, id: 'd3' });
    expect(await handleBridgeRequest('delivery/retry', { id: 'd2' }, ctx)).toEqual({ retried: [{ id: 'd2', target: 'paperless', status: 'delivered' }] });
    expect(await handleBridgeRequest('delivery/retry', {}, ctx)).toEqual({ retried: [expect.objectContaining({ id: 'd1' }), expect.objectContaining({ id: 'd3' })] });
    expect(await handleBridgeRequest('delivery/retry', {}, ctx)).toEqual({ retried: [] });
    await expect(handleBridgeRequest('delivery/retry', { id: 'd1' }, ctx)).rejects.toMatchObject({ code: 'NotFound' });
  });

  it.each([[{ id: '' }], [{ id: 7 }], [{ id: null }]])('delivery/retry refuses %j', async (request) => {
    await expect(handleBridgeRequest('delivery/retry', request, context())).rejects.toMatchObject({ code: 'InvalidRequest', message: expect.stringContaining('"id"') });
  });
});
