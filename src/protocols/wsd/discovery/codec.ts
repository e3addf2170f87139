/**
 * WS-Discovery 2005/04 messages (PROTOCOLS.md B.2): Probe and Resolve built as minimal text,
 * ProbeMatches, ResolveMatches, Hello and Bye read by namespace URI. Pure.
 */
import { randomUUID } from 'node:crypto';
import { escapeXml, isNs, nsChild, nsChildren, nsText, parseNsXml, resolveQNames, type NsElement, type ResolvedQName } from '../../../xml/namespaced-xml.js';

// The few URIs discovery needs; the WS-Scan client keeps its own table (discovery imports no protocol).
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const WSA = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
const WSD = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
/** DPWS devprof namespace (`wsdp:Device`). */
export const DEVPROF_NS = 'http://schemas.xmlsoap.org/ws/2006/02/devprof';
/** WS-Scan namespace (`wscn:ScanDeviceType`). */
export const SCAN_NS = 'http://schemas.microsoft.com/windows/2006/08/wdp/scan';
/** WS-Print namespace (`PrintDeviceType`). */
export const PRINT_NS = 'http://schemas.microsoft.com/windows/2006/08/wdp/print';
/** The `pub:Computer` type of Windows PCs and Debian's wsdd. */
export const PUB_NS = 'http://schemas.microsoft.com/windows/pub/2005/07';
/** `wsa:To` of multicast discovery messages. */
export const DISCOVERY_TO = 'urn:schemas-xmlsoap-org:ws:2005:04:discovery';

/** Largest datagram read (a UDP payload cannot be larger). */
export const MAX_DATAGRAM_BYTES = 65_507;
/** Most matches read from one ProbeMatches. */
export const MAX_MATCHES = 64;
/** Most XAddrs kept per endpoint; devices list two or three (IPv4, IPv6 link-local, a second NIC). */
export const MAX_XADDRS = 8;
/** Longest endpoint address accepted. */
export const MAX_ADDRESS_CHARS = 256;

/** One device endpoint as a ProbeMatch, ResolveMatch or Hello describes it. */
export interface DiscoveredEndpoint {
  /** Stable device id, `urn:uuid:…` or `uuid:…`, as sent. */
  address: string;
  types: ResolvedQName[];
  /** Transport URLs (http/https only), in the device's order. */
  xaddrs: string[];
  metadataVersion?: number;
}

/** A read WS-Discovery message. */
export type DiscoveryMessage =
  | { kind: 'probe-matches' | 'resolve-matches' | 'hello'; messageId?: string; relatesTo?: string; endpoints: DiscoveredEndpoint[] }
  | { kind: 'bye'; messageId?: string; address: string }
  | { kind: 'other'; messageId?: string; action?: string };

/** A QName to probe for. */
export interface ProbeType {
  ns: string;
  name: string;
}

/** `wsdp:Device`, which every DPWS device is (and filters nothing). */
export const DEVICE_TYPE: ProbeType = { ns: DEVPROF_NS, name: 'Device' };
/** `wscn:ScanDeviceType`. */
export const SCAN_DEVICE_TYPE: ProbeType = { ns: SCAN_NS, name: 'ScanDeviceType' };

/** A fresh `urn:uuid:` message id. */
export function newDiscoveryMessageId(): string {
  return `urn:uuid:${randomUUID()}`;
}

function envelope(action: string, messageId: string, body: string, namespaces: Record<string, string>): string {
  const decls = Object.entries({ soap: SOAP12, wsa: WSA, wsd: WSD, ...namespaces })
    .map(([p, uri]) => ` xmlns:${p}="${uri}"`)
    .join('');
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope${decls}><soap:Header>` +
    `<wsa:To>${DISCOVERY_TO}</wsa:To><wsa:Action>${WSD}/${action}</wsa:Action><wsa:MessageID>${escapeXml(messageId)}</wsa:MessageID>` +
    `</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

/**
 * The prefixes Windows writes in a Probe's Types. Some responders compare the text, not the
 * QName: Debian's wsdd answers only `wsdp:Device`, exactly.
 */
const CONVENTIONAL_PREFIXES: Readonly<Record<string, string>> = { [DEVPROF_NS]: 'wsdp', [SCAN_NS]: 'wscn' };

/** A Probe for endpoints having all `types` (each type declared with its usual prefix, or one of its own). */
export function buildProbe(types: readonly ProbeType[], messageId: string): string {
  const namespaces: Record<string, string> = {};
  const names = types.map((t, i) => {
    const prefix = CONVENTIONAL_PREFIXES[t.ns] ?? `t${i}`;
    namespaces[prefix] = t.ns;
    return `${prefix}:${t.name}`;
  });
  return envelope('Probe', messageId, `<wsd:Probe>${names.length > 0 ? `<wsd:Types>${names.join(' ')}</wsd:Types>` : ''}</wsd:Probe>`, namespaces);
}

/** A Resolve for an endpoint that came without XAddrs. */
export function buildResolve(address: string, messageId: string): string {
  return envelope('Resolve', messageId, `<wsd:Resolve><wsa:EndpointReference><wsa:Address>${escapeXml(address)}</wsa:Address></wsa:EndpointReference></wsd:Resolve>`, {});
}

/** Reads one datagram; anything that is not a well-formed SOAP message is a ProtocolError. */
export function parseDiscoveryMessage(xml: string): DiscoveryMessage {
  const root = parseNsXml(xml, 'WS-Discovery message');
  if (!isNs(root, SOAP12, 'Envelope')) return { kind: 'other' };
  const header = nsChild(root, SOAP12, 'Header');
  const body = nsChild(root, SOAP12, 'Body')?.children[0];
  const action = nsText(header, WSA, 'Action');
  const messageId = nsText(header, WSA, 'MessageID');
  const relatesTo = nsText(header, WSA, 'RelatesTo');
  const ids = { ...(messageId !== undefined ? { messageId } : {}), ...(relatesTo !== undefined ? { relatesTo } : {}) };
  if (isNs(body, WSD, 'ProbeMatches')) {
    return { kind: 'probe-matches', ...ids, endpoints: nsChildren(body, WSD, 'ProbeMatch').slice(0, MAX_MATCHES).flatMap(readEndpoint) };
  }
  if (isNs(body, WSD, 'ResolveMatches')) {
    return { kind: 'resolve-matches', ...ids, endpoints: nsChildren(body, WSD, 'ResolveMatch').slice(0, MAX_MATCHES).flatMap(readEndpoint) };
  }
  if (isNs(body, WSD, 'Hello')) return { kind: 'hello', ...ids, endpoints: readEndpoint(body as NsElement) };
  if (isNs(body, WSD, 'Bye')) {
    const address = endpointAddress(body as NsElement);
    if (address !== undefined) return { kind: 'bye', ...ids, address };
  }
  return { kind: 'other', ...ids, ...(action !== undefined ? { action } : {}) };
}

function endpointAddress(el: NsElement): string | undefined {
  const address = nsText(nsChild(el, WSA, 'EndpointReference'), WSA, 'Address');
  return address !== undefined && address.length <= MAX_ADDRESS_CHARS ? address : undefined;
}

function readEndpoint(el: NsElement): DiscoveredEndpoint[] {
  const address = endpointAddress(el);
  if (address === undefined) return [];
  const typesEl = nsChild(el, WSD, 'Types');
  const xaddrs = (nsText(el, WSD, 'XAddrs') ?? '').split(/\s+/).filter(isHttpUrl).slice(0, MAX_XADDRS);
  const endpoint: DiscoveredEndpoint = { address, types: typesEl ? resolveQNames(typesEl, typesEl.text).slice(0, 32) : [], xaddrs };
  const version = nsText(el, WSD, 'MetadataVersion');
  if (version !== undefined && /^\d{1,10}$/.test(version)) endpoint.metadataVersion = Number(version);
  return [endpoint];
}

/** True when the endpoint lists the type `{ns}name`. */
export function hasType(endpoint: DiscoveredEndpoint, ns: string, name: string): boolean {
  return endpoint.types.some((t) => t.ns === ns && t.name === name);
}

/**
 * Whether an endpoint may be a scanner, before its metadata is read. Computers (Windows PCs,
 * wsdd) are not; printers may be, as some MFPs (Lexmark MX310) show the scanner only in their
 * metadata; an endpoint with no types (a Hello from wsdd has none) is read to find out.
 */
export function mayBeScanner(endpoint: DiscoveredEndpoint): boolean {
  if (hasType(endpoint, SCAN_NS, 'ScanDeviceType')) return true;
  return !hasType(endpoint, PUB_NS, 'Computer');
}

function isHttpUrl(value: string): boolean {
  if (value === '' || value.length > 2048) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
