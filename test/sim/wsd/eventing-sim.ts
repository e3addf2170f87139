/**
 * The simulated device's WS-Eventing side (WS-Eventing 2004/08 with the WS-Scan ScanDestinations
 * extension): subscriptions with a granted lifetime that lapse when not renewed, Renew, GetStatus,
 * Unsubscribe, a panel that lists one entry per destination of every live subscription (as a
 * Samsung M288x adds one per Subscribe), presses that POST ScanAvailableEvent to the subscriber,
 * status events, and a restart that forgets every subscription and token.
 */
import { randomUUID } from 'node:crypto';
import { nsChild, nsChildren, nsText, type NsElement } from '../../../src/xml/namespaced-xml.js';
import { NS, envelope, faultBody, scannerStatus } from './device-model.js';

const WSE = 'http://schemas.xmlsoap.org/ws/2004/08/eventing';
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One panel entry of a subscription. */
export interface SimDestination {
  displayName: string;
  context: string;
  token: string;
}

/** A subscription the device holds. */
export interface SimSubscription {
  id: string;
  notifyTo: string;
  actions: string[];
  destinations: SimDestination[];
  expiresAt: number;
}

/** A reply to one eventing request. */
export interface SimReply {
  status: number;
  xml: string;
}

/** What a press did. */
export interface SimPress {
  scanIdentifier: string;
  /** HTTP status the subscriber answered with. */
  status: number;
}

/** WS-Eventing state of one simulated device. */
export class SimEventing {
  readonly subscriptions = new Map<string, SimSubscription>();
  /** Every ScanIdentifier a press issued, with the token of the destination pressed. */
  readonly issued = new Map<string, string>();
  /** Longest lifetime granted, in seconds (devices cap what is asked). */
  maxExpiresS = 3600;
  subscribeCount = 0;
  renewCount = 0;
  unsubscribeCount = 0;

  constructor(private readonly managerUrl: () => string) {}

  /** Subscriptions neither unsubscribed nor lapsed. */
  live(): SimSubscription[] {
    const now = Date.now();
    for (const [id, sub] of this.subscriptions) if (sub.expiresAt <= now) this.subscriptions.delete(id);
    return [...this.subscriptions.values()];
  }

  /** The panel: one entry per destination of each live subscription (duplicates included). */
  panelEntries(): string[] {
    return this.live().flatMap((s) => s.destinations.map((d) => d.displayName));
  }

  /** The device rebooted: every subscription and token is gone. */
  restart(): void {
    this.subscriptions.clear();
    this.issued.clear();
  }

  /** Handles a WS-Eventing request; `header` and `body` are the request's SOAP Header and first Body element. */
  handle(op: string, messageId: string | undefined, header: NsElement | undefined, body: NsElement | undefined): SimReply {
    const reply = (name: string, content: string): SimReply => ({
      status: 200,
      xml: envelope(`${WSE}/${name}`, messageId, `<wse:${name} xmlns:wse="${WSE}">${content}</wse:${name}>`),
    });
    if (op === 'Subscribe') {
      const notifyTo = nsText(nsChild(nsChild(body, WSE, 'Delivery'), WSE, 'NotifyTo'), NS.wsa, 'Address');
      const filter = nsChild(body, WSE, 'Filter');
      if (!notifyTo || !filter) return this.fault(messageId, 'wse:InvalidMessage', 'Subscribe without NotifyTo or Filter');
      const destinations = nsChildren(nsChild(body, NS.scan, 'ScanDestinations'), NS.scan, 'ScanDestination').map((d) => ({
        displayName: nsText(d, NS.scan, 'ClientDisplayName') ?? '',
        context: nsText(d, NS.scan, 'ClientContext') ?? '',
        token: `dest-${randomUUID()}`,
      }));
      const sub: SimSubscription = { id: `urn:uuid:${randomUUID()}`, notifyTo, actions: filter.text.split(/\s+/).filter(Boolean), destinations, expiresAt: 0 };
      const granted = this.grant(sub, nsText(body, WSE, 'Expires'));
      this.subscriptions.set(sub.id, sub);
      this.subscribeCount += 1;
      const responses = destinations.length
        ? `<scan:DestinationResponses>${destinations.map((d) => `<scan:DestinationResponse><scan:ClientContext>${esc(d.context)}</scan:ClientContext><scan:DestinationToken>${d.token}</scan:DestinationToken></scan:DestinationResponse>`).join('')}</scan:DestinationResponses>`
        : '';
      return reply(
        'SubscribeResponse',
        `<wse:SubscriptionManager><addressing:Address>${esc(this.managerUrl())}</addressing:Address><addressing:ReferenceParameters><wse:Identifier>${sub.id}</wse:Identifier></addressing:ReferenceParameters></wse:SubscriptionManager>` +
          `<wse:Expires>PT${granted}S</wse:Expires>${responses}`,
      );
    }
    const id = nsText(header, WSE, 'Identifier') ?? '';
    const sub = this.live().find((s) => s.id === id);
    if (op === 'Renew') {
      if (!sub) return this.fault(messageId, 'wse:UnableToRenew', 'no such subscription');
      this.renewCount += 1;
      return reply('RenewResponse', `<wse:Expires>PT${this.grant(sub, nsText(body, WSE, 'Expires'))}S</wse:Expires>`);
    }
    if (op === 'GetStatus') {
      if (!sub) return this.fault(messageId, 'wse:InvalidMessage', 'no such subscription');
      return reply('GetStatusResponse', `<wse:Expires>PT${Math.max(0, Math.round((sub.expiresAt - Date.now()) / 1000))}S</wse:Expires>`);
    }
    if (op === 'Unsubscribe') {
      if (!sub) return this.fault(messageId, 'wse:InvalidMessage', 'no such subscription');
      this.subscriptions.delete(sub.id);
      this.unsubscribeCount += 1;
      return { status: 200, xml: envelope(`${WSE}/UnsubscribeResponse`, messageId, '') };
    }
    return this.fault(messageId, 'addressing:ActionNotSupported', op);
  }

  /** Checks a panel job's CreateScanJob identity: a ScanIdentifier a press issued and its destination's live token. */
  checkPanelJob(scanIdentifier: string, destinationToken: string | undefined): string | undefined {
    const expected = this.issued.get(scanIdentifier);
    if (expected === undefined) return 'ClientErrorInvalidScanIdentifier';
    const liveTokens = new Set(this.live().flatMap((s) => s.destinations.map((d) => d.token)));
    if (destinationToken !== expected || !liveTokens.has(destinationToken)) return 'ClientErrorInvalidDestinationToken';
    return undefined;
  }

  /** A press of a panel entry: ScanAvailableEvent to the (newest) live subscription that lists it. */
  async press(displayName: string, inputSource?: string): Promise<SimPress> {
    const live = this.live().filter((s) => s.actions.includes(`${NS.scan}/ScanAvailableEvent`));
    const sub = live.reverse().find((s) => s.destinations.some((d) => d.displayName === displayName));
    const destination = sub?.destinations.find((d) => d.displayName === displayName);
    if (!sub || !destination) throw new Error(`the panel lists no "${displayName}" (entries: ${this.panelEntries().join(', ') || 'none'})`);
    const scanIdentifier = `scan-${randomUUID()}`;
    this.issued.set(scanIdentifier, destination.token);
    const body =
      `<scan:ScanAvailableEvent><scan:ClientContext>${esc(destination.context)}</scan:ClientContext><scan:ScanIdentifier>${scanIdentifier}</scan:ScanIdentifier>` +
      (inputSource ? `<scan:InputSource>${inputSource}</scan:InputSource>` : '') +
      `</scan:ScanAvailableEvent>`;
    const status = await this.post(sub.notifyTo, `${NS.scan}/ScanAvailableEvent`, body);
    return { scanIdentifier, status };
  }

  /**
   * A press of the panel entry with this ClientContext, as a device that notifies every live
   * subscriber of it (not only the one that registered the entry); resolves with their HTTP statuses.
   */
  async pressToAll(context: string): Promise<number[]> {
    const destination = this.live().flatMap((s) => s.destinations).find((d) => d.context === context);
    if (!destination) throw new Error(`the panel has no entry with context ${context}`);
    const scanIdentifier = `scan-${randomUUID()}`;
    this.issued.set(scanIdentifier, destination.token);
    const body = `<scan:ScanAvailableEvent><scan:ClientContext>${esc(context)}</scan:ClientContext><scan:ScanIdentifier>${scanIdentifier}</scan:ScanIdentifier></scan:ScanAvailableEvent>`;
    const action = `${NS.scan}/ScanAvailableEvent`;
    return Promise.all(this.live().filter((s) => s.actions.includes(action)).map((s) => this.post(s.notifyTo, action, body)));
  }

  /** Sends ScannerStatusSummaryEvent to every live subscription that asked for it; resolves with their HTTP statuses. */
  async statusChanged(state: string, reasons: readonly string[]): Promise<number[]> {
    const action = `${NS.scan}/ScannerStatusSummaryEvent`;
    const summary = scannerStatus(state, reasons, []).replace(/<scan:ScannerStatus>/, '<scan:StatusSummary>').replace(/<\/scan:ScannerStatus>$/, '</scan:StatusSummary>');
    const body = `<scan:ScannerStatusSummaryEvent>${summary}</scan:ScannerStatusSummaryEvent>`;
    return Promise.all(this.live().filter((s) => s.actions.includes(action)).map((s) => this.post(s.notifyTo, action, body)));
  }

  /** POSTs raw text to every live subscriber (hostile-input tests); resolves with their HTTP statuses. */
  async postRaw(text: string, contentType = 'application/soap+xml; charset=utf-8'): Promise<number[]> {
    return Promise.all(
      this.live().map(async (s) => (await fetch(s.notifyTo, { method: 'POST', headers: { 'content-type': contentType }, body: text })).status),
    );
  }

  private async post(url: string, action: string, body: string): Promise<number> {
    const xml = envelope(action, undefined, body).replace(`<addressing:To>${NS.wsa}/role/anonymous</addressing:To>`, `<addressing:To>${esc(url)}</addressing:To>`);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body: xml });
    await res.arrayBuffer();
    return res.status;
  }

  /** Grants min(asked, cap) seconds; returns the seconds granted. */
  private grant(sub: SimSubscription, asked: string | undefined): number {
    const m = /^PT(\d+)S$/.exec(asked ?? '') ?? /^PT(\d+)H$/.exec(asked ?? '');
    const askedS = m ? Number(m[1]) * ((asked ?? '').endsWith('H') ? 3600 : 1) : this.maxExpiresS;
    const granted = Math.max(1, Math.min(askedS, this.maxExpiresS));
    sub.expiresAt = Date.now() + granted * 1000;
    return granted;
  }

  private fault(messageId: string | undefined, subcode: string, reason: string): SimReply {
    return { status: 500, xml: envelope(`${NS.wsa}/fault`, messageId, faultBody(subcode, reason).replace('<SOAP-ENV:Fault>', `<SOAP-ENV:Fault xmlns:wse="${WSE}">`)) };
  }
}
