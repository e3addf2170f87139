/**
 * WS-Eventing 2004/08 as WS-Scan uses it (PROTOCOLS.md B.7): Subscribe with the ScanDestinations
 * extension, Renew, GetStatus and Unsubscribe, as request builders and response parsers. Pure.
 */
import { protocolError } from '../../core/errors.js';
import { escapeXml, isNs, nsChild, nsChildren, nsPath, nsText, type NsElement } from '../../xml/namespaced-xml.js';
import { throwIfFault } from './faults.js';
import { DEVPROF_NS, SCAN_NS, WSA_NS, WSE_NS } from './namespaces.js';
import { buildSoapRequest, parseSoapEnvelope, type SoapRequest } from './soap.js';
import { parseExpires } from './xs-duration.js';

/** The filter dialect DPWS devices take: a space-separated list of action URIs. */
export const DEVPROF_ACTION_DIALECT = `${DEVPROF_NS}/Action`;
/** The push delivery mode (the only one DPWS devices offer). */
export const PUSH_DELIVERY_MODE = `${WSE_NS}/DeliveryModes/Push`;
/** Most destinations read from a SubscribeResponse; a panel lists a handful. */
export const MAX_DESTINATIONS = 64;
/** Longest ClientContext, DestinationToken or Identifier kept; they are short opaque strings. */
export const MAX_EVENTING_TOKEN_CHARS = 1024;

/** The action URI of a WS-Eventing operation, e.g. `eventingAction('Renew')`. */
export function eventingAction(op: string): string {
  return `${WSE_NS}/${op}`;
}

/** One panel entry asked for: its display name and the context the device will echo. */
export interface ScanDestination {
  clientDisplayName: string;
  clientContext: string;
}

/** What a Subscribe asks for. */
export interface SubscribeRequest {
  /** The scan service URL (`wsa:To`). */
  serviceUrl: string;
  /** Where the device POSTs events (NotifyTo), and SubscriptionEnd (EndTo). */
  notifyTo: string;
  /** Event action URIs (`scanEventAction('ScanAvailableEvent')`, …). */
  actions: readonly string[];
  /** Requested lifetime in seconds; devices may grant less. */
  expiresS: number;
  /** Panel entries; only with ScanAvailableEvent. */
  destinations?: readonly ScanDestination[];
}

/** A live subscription as the device granted it. */
export interface SubscriptionGrant {
  /** Where Renew, GetStatus and Unsubscribe go. */
  managerUrl: string;
  /** `wse:Identifier` of the manager's reference parameters, copied into their headers. */
  identifier?: string;
  /** Granted lifetime in ms (from now), or undefined when the device set none. */
  expiresMs?: number;
  /** ClientContext → DestinationToken: the event names only the context. */
  tokens: Map<string, string>;
}

/** Subscribe, in the schema's order: EndTo, Delivery, Expires, Filter, then the WS-Scan extension. */
export function buildSubscribe(request: SubscribeRequest): SoapRequest {
  const sink = `<wsa:Address>${escapeXml(request.notifyTo)}</wsa:Address>`;
  const destinations = request.destinations?.length
    ? `<wscn:ScanDestinations>${request.destinations
        .map((d) => `<wscn:ScanDestination><wscn:ClientDisplayName>${escapeXml(d.clientDisplayName)}</wscn:ClientDisplayName><wscn:ClientContext>${escapeXml(d.clientContext)}</wscn:ClientContext></wscn:ScanDestination>`)
        .join('')}</wscn:ScanDestinations>`
    : '';
  const body =
    `<wse:Subscribe><wse:EndTo>${sink}</wse:EndTo>` +
    `<wse:Delivery Mode="${PUSH_DELIVERY_MODE}"><wse:NotifyTo>${sink}</wse:NotifyTo></wse:Delivery>` +
    `<wse:Expires>${formatDuration(request.expiresS)}</wse:Expires>` +
    `<wse:Filter Dialect="${DEVPROF_ACTION_DIALECT}">${request.actions.map(escapeXml).join(' ')}</wse:Filter>` +
    `${destinations}</wse:Subscribe>`;
  return buildSoapRequest({ action: eventingAction('Subscribe'), to: request.serviceUrl }, body, { wse: WSE_NS, ...(destinations ? { wscn: SCAN_NS } : {}) });
}

/** Renew, sent to the manager with its Identifier in the header. */
export function buildRenew(grant: Pick<SubscriptionGrant, 'managerUrl' | 'identifier'>, expiresS: number): SoapRequest {
  return managerRequest(grant, 'Renew', `<wse:Renew><wse:Expires>${formatDuration(expiresS)}</wse:Expires></wse:Renew>`);
}

/** GetStatus: is the subscription still alive, and until when. */
export function buildGetStatus(grant: Pick<SubscriptionGrant, 'managerUrl' | 'identifier'>): SoapRequest {
  return managerRequest(grant, 'GetStatus', '<wse:GetStatus/>');
}

/** Unsubscribe (at shutdown, or when the panel entries change). */
export function buildUnsubscribe(grant: Pick<SubscriptionGrant, 'managerUrl' | 'identifier'>): SoapRequest {
  return managerRequest(grant, 'Unsubscribe', '<wse:Unsubscribe/>');
}

/** Reads SubscribeResponse: the manager, the granted lifetime and the destination tokens. */
export function parseSubscribeResponse(xml: string, now = Date.now()): SubscriptionGrant {
  const body = eventingBody(xml, 'Subscribe');
  const manager = nsChild(body, WSE_NS, 'SubscriptionManager');
  const managerUrl = nsText(manager, WSA_NS, 'Address');
  if (managerUrl === undefined || !isHttpUrl(managerUrl)) throw protocolError('SubscribeResponse: no usable SubscriptionManager address');
  const grant: SubscriptionGrant = { managerUrl, tokens: readTokens(nsChild(body, SCAN_NS, 'DestinationResponses')) };
  const identifier = nsText(nsChild(manager, WSA_NS, 'ReferenceParameters'), WSE_NS, 'Identifier');
  if (identifier !== undefined) grant.identifier = bounded(identifier, 'SubscriptionManager Identifier');
  const expires = readExpires(body, now, 'SubscribeResponse');
  if (expires !== undefined) grant.expiresMs = expires;
  return grant;
}

/** Reads RenewResponse: the new lifetime in ms (undefined when the device set none). */
export function parseRenewResponse(xml: string, now = Date.now()): number | undefined {
  return readExpires(eventingBody(xml, 'Renew'), now, 'RenewResponse');
}

/** Reads GetStatusResponse: the remaining lifetime in ms (undefined when the device set none). */
export function parseGetStatusResponse(xml: string, now = Date.now()): number | undefined {
  return readExpires(eventingBody(xml, 'GetStatus'), now, 'GetStatusResponse');
}

/** Checks UnsubscribeResponse (an empty body, or none at all, on success). */
export function parseUnsubscribeResponse(xml: string): void {
  if (xml.trim() === '') return;
  const envelope = parseSoapEnvelope(xml, 'UnsubscribeResponse');
  throwIfFault(envelope, 'Unsubscribe');
}

/** `PT1H`-style duration of whole seconds. */
export function formatDuration(seconds: number): string {
  return `PT${Math.max(1, Math.round(seconds))}S`;
}

function managerRequest(grant: Pick<SubscriptionGrant, 'managerUrl' | 'identifier'>, op: string, body: string): SoapRequest {
  const extraHeaders = grant.identifier === undefined ? '' : `<wse:Identifier>${escapeXml(grant.identifier)}</wse:Identifier>`;
  return buildSoapRequest({ action: eventingAction(op), to: grant.managerUrl, extraHeaders }, body, { wse: WSE_NS });
}

/** The `{wse}<operation>Response` element, after fault checking. */
function eventingBody(xml: string, operation: string): NsElement {
  const envelope = parseSoapEnvelope(xml, `${operation}Response`);
  throwIfFault(envelope, operation);
  const body = envelope.payload;
  if (!body || !isNs(body, WSE_NS, `${operation}Response`)) throw protocolError(`${operation}: unexpected response body ${body?.name ?? '(empty)'}`);
  return body;
}

function readExpires(body: NsElement, now: number, what: string): number | undefined {
  const text = nsText(body, WSE_NS, 'Expires');
  if (text === undefined || text === '') return undefined;
  const ms = parseExpires(text, now);
  if (ms === undefined) throw protocolError(`${what}: unreadable Expires ${JSON.stringify(text.slice(0, 64))}`);
  return ms;
}

function readTokens(responses: NsElement | undefined): Map<string, string> {
  const tokens = new Map<string, string>();
  for (const entry of nsChildren(responses, SCAN_NS, 'DestinationResponse').slice(0, MAX_DESTINATIONS)) {
    const context = nsText(entry, SCAN_NS, 'ClientContext');
    const token = nsText(entry, SCAN_NS, 'DestinationToken');
    if (context === undefined || token === undefined || context === '' || token === '') continue;
    if (context.length > MAX_EVENTING_TOKEN_CHARS || token.length > MAX_EVENTING_TOKEN_CHARS) continue;
    tokens.set(context, token);
  }
  return tokens;
}

function bounded(text: string, what: string): string {
  if (text === '' || text.length > MAX_EVENTING_TOKEN_CHARS) throw protocolError(`${what}: empty or longer than ${MAX_EVENTING_TOKEN_CHARS} characters`);
  return text;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The manager EPR of a SubscriptionEnd (which subscription ended), when present. */
export function managerOf(el: NsElement | undefined): { managerUrl?: string; identifier?: string } {
  const manager = nsChild(el, WSE_NS, 'SubscriptionManager');
  const out: { managerUrl?: string; identifier?: string } = {};
  const url = nsText(manager, WSA_NS, 'Address');
  if (url !== undefined && url.length <= MAX_EVENTING_TOKEN_CHARS) out.managerUrl = url;
  const identifier = nsText(nsPath(manager, [WSA_NS, 'ReferenceParameters']), WSE_NS, 'Identifier');
  if (identifier !== undefined && identifier.length <= MAX_EVENTING_TOKEN_CHARS) out.identifier = identifier;
  return out;
}
