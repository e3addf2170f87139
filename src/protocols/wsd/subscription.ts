/**
 * One WS-Eventing subscription kept alive on a device (PROTOCOLS.md B.7, E): Subscribe once,
 * Renew at about half the granted lifetime, and never Subscribe again while the device may still
 * hold the subscription (some add a panel entry per Subscribe and hang when flooded). A fresh
 * Subscribe follows only a subscription the device has lost: a Renew it refused (it restarted),
 * its SubscriptionEnd, a lifetime that ran out while it was unreachable, or a new local address
 * (the old NotifyTo is unsubscribed first). Unsubscribes when stopped.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ScanError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { WsdClient } from './client.js';
import type { EventHandler, EventSinkLease, WsdEventEndpoints } from './event-endpoint.js';
import {
  buildRenew,
  buildSubscribe,
  buildUnsubscribe,
  parseRenewResponse,
  parseSubscribeResponse,
  parseUnsubscribeResponse,
  type ScanDestination,
  type SubscriptionGrant,
} from './eventing.js';

/** Lifetimes, renewal and retry pacing of subscriptions; options so tests can shrink them. */
export interface WsdSubscriptionTiming {
  /** Lifetime asked for (devices may grant less; an hour is common). */
  expiresS: number;
  /** Renew after this share of the granted lifetime. */
  renewFraction: number;
  /** Never renew more often than this, whatever a device grants. */
  minRenewDelayMs: number;
  /** First pause after a failed Subscribe or Renew; doubles up to `retryMaxMs`. */
  retryMinMs: number;
  retryMaxMs: number;
  /** Limit for the Unsubscribe sent at stop (which runs after the abort). */
  unsubscribeTimeoutMs: number;
}

/** Values for real devices. */
export const DEFAULT_SUBSCRIPTION_TIMING: Readonly<WsdSubscriptionTiming> = {
  expiresS: 3600,
  renewFraction: 0.5,
  minRenewDelayMs: 1_000,
  retryMinMs: 5_000,
  retryMaxMs: 300_000,
  unsubscribeTimeoutMs: 3_000,
};

/** What one subscription is built from. */
export interface WsdSubscriptionDeps {
  client: WsdClient;
  serviceUrl: string;
  logger: Logger;
  /** Event action URIs of the filter. */
  actions: readonly string[];
  /** Panel entries (ScanAvailableEvent only). */
  destinations?: readonly ScanDestination[];
  endpoints: WsdEventEndpoints;
  /** Port of the event endpoint (0: a free one). */
  port: number;
  /** The local address the device reaches us by, asked again before every Subscribe and Renew. */
  localAddress: () => Promise<string>;
  /** Called with each event POSTed to this subscription's sink. */
  onEvent: EventHandler;
  timing: WsdSubscriptionTiming;
  /** Events the device may not offer (status pushes): a refused Subscribe ends `run` quietly. */
  optional?: boolean;
}

/** Keeps one subscription alive until `run`'s signal aborts. */
export class WsdSubscription {
  private grant: SubscriptionGrant | undefined;
  private expiresAt = 0;
  private lease: EventSinkLease | undefined;
  private wake: (() => void) | undefined;
  private lost = false;

  constructor(private readonly deps: WsdSubscriptionDeps) {}

  /** The DestinationToken the device gave for a ClientContext of the live subscription. */
  tokenFor(clientContext: string): string | undefined {
    return this.grant?.tokens.get(clientContext);
  }

  /** True while the device holds a subscription of ours (as far as we know). */
  get live(): boolean {
    return this.grant !== undefined;
  }

  /** The device said the subscription ended (SubscriptionEnd): subscribe anew now. */
  ended(): void {
    this.lost = true;
    this.wake?.();
  }

  /** Subscribes, renews and resubscribes until `signal` aborts, then unsubscribes. Rejects only for faults that retrying cannot mend. */
  async run(signal: AbortSignal): Promise<void> {
    const { timing, logger } = this.deps;
    let backoff = timing.retryMinMs;
    try {
      while (!signal.aborted) {
        let pause: number;
        try {
          pause = await this.step(signal);
          backoff = timing.retryMinMs;
        } catch (error) {
          if (signal.aborted) break;
          if (isPermanent(error)) throw error;
          if (this.deps.optional && !this.grant && error instanceof ScanError && answered(error)) {
            logger.debug({ err: error }, 'WSD subscription: the device does not offer these events');
            return;
          }
          logger.debug({ err: error, live: this.live }, 'WSD subscription: attempt failed, retrying');
          // A subscription the device may still hold is renewed again before it runs out, not replaced.
          pause = this.grant ? Math.min(backoff, Math.max(timing.minRenewDelayMs, this.expiresAt - Date.now() - timing.minRenewDelayMs)) : backoff;
          backoff = Math.min(timing.retryMaxMs, backoff * 2);
        }
        await this.sleep(pause, signal);
      }
    } finally {
      await this.stop();
    }
  }

  /** One Subscribe or Renew; returns the pause before the next. */
  private async step(signal: AbortSignal): Promise<number> {
    const address = await this.deps.localAddress();
    if (this.lease && this.lease.address !== address) {
      this.deps.logger.info({ from: this.lease.address, to: address }, 'WSD subscription: local address changed, subscribing at the new one');
      await this.stop();
    }
    if (this.lost) {
      this.lost = false;
      this.grant = undefined;
    }
    if (this.grant && Date.now() >= this.expiresAt) {
      this.deps.logger.info('WSD subscription: lapsed while the device was unreachable');
      this.grant = undefined;
    }
    this.lease ??= await this.deps.endpoints.lease(address, this.deps.port, this.deps.onEvent);
    if (!this.grant) return this.subscribe(this.lease.url, signal);
    return this.renew(this.grant, signal);
  }

  private async subscribe(notifyTo: string, signal: AbortSignal): Promise<number> {
    const { client, serviceUrl, actions, destinations, timing } = this.deps;
    const request = buildSubscribe({ serviceUrl, notifyTo, actions, expiresS: timing.expiresS, ...(destinations ? { destinations } : {}) });
    // Not aborted midway: a Subscribe the device took must be known here, or stop() could not undo it.
    const grant = parseSubscribeResponse(await client.call(serviceUrl, request, 'Subscribe'));
    if (signal.aborted) this.deps.logger.debug('WSD subscription: subscribed while stopping; unsubscribing');
    this.grant = grant;
    this.deps.logger.info({ actions: actions.length, destinations: destinations?.length ?? 0, tokens: grant.tokens.size, expires_ms: grant.expiresMs }, 'WSD subscription: subscribed');
    return this.granted(grant.expiresMs);
  }

  private async renew(grant: SubscriptionGrant, signal: AbortSignal): Promise<number> {
    try {
      const expiresMs = parseRenewResponse(await this.deps.client.call(grant.managerUrl, buildRenew(grant, this.deps.timing.expiresS), 'Renew', { signal }));
      return this.granted(expiresMs);
    } catch (error) {
      // The device answered, and refused: it does not know the subscription any more (it restarted).
      if (error instanceof ScanError && answered(error) && !signal.aborted) {
        this.deps.logger.info({ err: error }, 'WSD subscription: renewal refused, subscribing anew');
        this.grant = undefined;
        return 0;
      }
      throw error;
    }
  }

  /** Records a granted lifetime and returns when to renew. */
  private granted(expiresMs: number | undefined): number {
    const { timing } = this.deps;
    const lifetime = expiresMs ?? timing.expiresS * 1000;
    this.expiresAt = Date.now() + lifetime;
    return Math.max(timing.minRenewDelayMs, Math.round(lifetime * timing.renewFraction));
  }

  /** Unsubscribes (best effort, bounded) and frees the sink. */
  private async stop(): Promise<void> {
    const grant = this.grant;
    this.grant = undefined;
    if (grant) {
      try {
        parseUnsubscribeResponse(await this.deps.client.call(grant.managerUrl, buildUnsubscribe(grant), 'Unsubscribe', { signal: AbortSignal.timeout(this.deps.timing.unsubscribeTimeoutMs) }));
        this.deps.logger.debug('WSD subscription: unsubscribed');
      } catch (error) {
        this.deps.logger.debug({ err: error }, 'WSD subscription: Unsubscribe failed (it lapses by itself)');
      }
    }
    const lease = this.lease;
    this.lease = undefined;
    await lease?.release();
  }

  private async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const woken = new AbortController();
    this.wake = () => woken.abort();
    try {
      await delay(ms, undefined, { signal: AbortSignal.any([signal, woken.signal]) });
    } catch {
      // Aborted or woken: the loop looks at why.
    } finally {
      this.wake = undefined;
    }
  }
}

/** Errors of the device's own answer (a fault, an HTTP refusal), as opposed to not reaching it. */
function answered(error: ScanError): boolean {
  return error.code !== 'DeviceOffline' && error.code !== 'Timeout' && error.code !== 'Cancelled';
}

/** A Subscribe the device refuses for our credentials is not worth repeating every few seconds forever. */
function isPermanent(error: unknown): boolean {
  return error instanceof ScanError && error.code === 'AccessDenied';
}
