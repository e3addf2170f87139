/**
 * What every in-test GatewayApi fake shares: typed events (emit, on, off, listenerCount)
 * and the job-history and delivery-outbox queries, filled by the test.
 */
import { EventEmitter } from 'node:events';
import { ScanError } from '../../src/core/errors.js';
import type { DeliveryRetryView, DeliveryView, GatewayEvents, HistoryQuery, JobHistoryEntry } from '../../src/core/gateway-api.js';

/** Base of the MQTT and Home Assistant layers' fake gateways. */
export abstract class FakeGatewayBase {
  protected readonly events = new EventEmitter();
  /** Entries the `history` bridge request returns (filtered like the real gateway). */
  historyEntries: JobHistoryEntry[] = [];
  deliveryViews: DeliveryView[] = [];

  /** Emits a gateway event as the real gateway would. */
  emit<E extends keyof GatewayEvents>(event: E, ...args: Parameters<GatewayEvents[E]>): void {
    this.events.emit(event, ...args);
  }

  /** How many listeners the layer under test keeps on an event. */
  listenerCount(event: keyof GatewayEvents): number {
    return this.events.listenerCount(event);
  }

  history(query: HistoryQuery = {}): JobHistoryEntry[] {
    return this.historyEntries.filter((e) => query.scanner === undefined || e.scanner === query.scanner).slice(0, query.limit ?? 50);
  }

  listDeliveries(): DeliveryView[] {
    return this.deliveryViews;
  }

  async dropDelivery(id: string): Promise<boolean> {
    const before = this.deliveryViews.length;
    this.deliveryViews = this.deliveryViews.filter((d) => d.id !== id);
    return this.deliveryViews.length < before;
  }

  /** Retrying "delivers": the matching views leave the outbox. */
  async retryDeliveries(id?: string): Promise<DeliveryRetryView[]> {
    const chosen = this.deliveryViews.filter((d) => id === undefined || d.id === id);
    if (id !== undefined && chosen.length === 0) throw new ScanError('NotFound', `no waiting delivery with id ${id}`);
    this.deliveryViews = this.deliveryViews.filter((d) => !chosen.includes(d));
    return chosen.map((d) => ({ id: d.id, target: d.target, status: 'delivered' }));
  }

  on<E extends keyof GatewayEvents>(event: E, listener: GatewayEvents[E]): void {
    this.events.on(event, listener);
  }

  off<E extends keyof GatewayEvents>(event: E, listener: GatewayEvents[E]): void {
    this.events.off(event, listener);
  }
}
