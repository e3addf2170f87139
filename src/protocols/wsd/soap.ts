/**
 * SOAP 1.2 envelopes with WS-Addressing headers (PROTOCOLS.md B.3/B.4): built as exact,
 * minimal, fully namespaced text (Epson refuses anything extra), read by namespace URI. Pure.
 */
import { randomUUID } from 'node:crypto';
import { protocolError } from '../../core/errors.js';
import { escapeXml, isNs, nsChild, nsText, parseNsXml, type NsElement } from '../../xml/namespaced-xml.js';
import { SOAP11_NS, SOAP12_NS, WSA_ANONYMOUS, WSA_NS } from './namespaces.js';

/** Prefixes every request declares; bodies use only these. */
export const REQUEST_PREFIXES = {
  soap: SOAP12_NS,
  wsa: WSA_NS,
} as const;

/** The WS-Addressing header of one request. */
export interface RequestHeader {
  action: string;
  /** `wsa:To`: the service URL, or the device's `urn:uuid:` address for a Transfer Get. */
  to: string;
  /** Defaults to a fresh `urn:uuid:`. */
  messageId?: string;
  /** Extra header elements, already serialised (e.g. `wse:Identifier`). */
  extraHeaders?: string;
}

/** A built request: its text and the MessageID a reply's RelatesTo should carry. */
export interface SoapRequest {
  xml: string;
  messageId: string;
}

/** A fresh `urn:uuid:` message id. */
export function newMessageId(): string {
  return `urn:uuid:${randomUUID()}`;
}

/**
 * Builds a SOAP 1.2 request. `body` is the serialised body content; `namespaces` maps each
 * prefix the body uses to its URI, declared on the envelope.
 */
export function buildSoapRequest(header: RequestHeader, body: string, namespaces: Readonly<Record<string, string>> = {}): SoapRequest {
  const messageId = header.messageId ?? newMessageId();
  const decls = Object.entries({ ...REQUEST_PREFIXES, ...namespaces })
    .map(([prefix, uri]) => ` xmlns:${prefix}="${escapeXml(uri)}"`)
    .join('');
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<soap:Envelope${decls}>` +
    `<soap:Header>` +
    `<wsa:MessageID>${escapeXml(messageId)}</wsa:MessageID>` +
    `<wsa:To>${escapeXml(header.to)}</wsa:To>` +
    `<wsa:ReplyTo><wsa:Address>${WSA_ANONYMOUS}</wsa:Address></wsa:ReplyTo>` +
    `<wsa:Action>${escapeXml(header.action)}</wsa:Action>` +
    (header.extraHeaders ?? '') +
    `</soap:Header>` +
    (body === '' ? '<soap:Body/>' : `<soap:Body>${body}</soap:Body>`) +
    `</soap:Envelope>`;
  return { xml, messageId };
}

/** A parsed envelope: addressing header fields and the body's elements. */
export interface SoapEnvelope {
  action?: string;
  messageId?: string;
  relatesTo?: string;
  to?: string;
  header: NsElement | undefined;
  body: NsElement;
  /** The first element inside the body, if any. */
  payload: NsElement | undefined;
  soapNs: string;
}

/** Parses a SOAP 1.2 (or 1.1) envelope; anything else is a ProtocolError. */
export function parseSoapEnvelope(xml: string, what: string): SoapEnvelope {
  const root = parseNsXml(xml, what);
  const soapNs = root.ns === SOAP12_NS || root.ns === SOAP11_NS ? root.ns : undefined;
  if (soapNs === undefined || !isNs(root, soapNs, 'Envelope')) {
    throw protocolError(`${what}: not a SOAP envelope (root ${root.name}${root.ns ? ` in ${root.ns}` : ''})`);
  }
  const body = nsChild(root, soapNs, 'Body');
  if (!body) throw protocolError(`${what}: SOAP envelope without a Body`);
  const header = nsChild(root, soapNs, 'Header');
  const envelope: SoapEnvelope = { header, body, payload: body.children[0], soapNs };
  const action = nsText(header, WSA_NS, 'Action');
  if (action !== undefined) envelope.action = action;
  const messageId = nsText(header, WSA_NS, 'MessageID');
  if (messageId !== undefined) envelope.messageId = messageId;
  const relatesTo = nsText(header, WSA_NS, 'RelatesTo');
  if (relatesTo !== undefined) envelope.relatesTo = relatesTo;
  const to = nsText(header, WSA_NS, 'To');
  if (to !== undefined) envelope.to = to;
  return envelope;
}
