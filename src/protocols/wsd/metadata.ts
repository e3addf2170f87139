/**
 * DPWS device metadata (PROTOCOLS.md B.3): the WS-Transfer Get request and its response,
 * read into identity details and the hosted scanner service. Pure.
 */
import { protocolError } from '../../core/errors.js';
import { isNs, nsChild, nsChildren, nsText, resolveQNames, type NsElement } from '../../xml/namespaced-xml.js';
import { throwIfFault } from './faults.js';
import { DEVPROF_NS, MEX_NS, SCAN_NS, TRANSFER_GET_ACTION, WSA_NS } from './namespaces.js';
import { buildSoapRequest, parseSoapEnvelope, type SoapRequest } from './soap.js';

/** One hosted service of the device. */
export interface HostedService {
  /** Service URLs, in the order the device lists them (IPv4 usually first). */
  addresses: string[];
  /** Types as `{ns}name` pairs. */
  types: { ns: string | undefined; name: string }[];
  serviceId?: string;
}

/** What the metadata says about a device. */
export interface WsdDeviceMetadata {
  friendlyName?: string;
  firmware?: string;
  serial?: string;
  manufacturer?: string;
  model?: string;
  modelNumber?: string;
  presentationUrl?: string;
  /** `pnpx:DeviceCategory`, e.g. `MFP MobilePrinter` or `Computers`. */
  deviceCategory?: string;
  hosted: HostedService[];
  /** The hosting device's endpoint address (`urn:uuid:…`), in a hosted service's own metadata (`devprof:Host`). */
  hostAddress?: string;
  /** URLs of the hosted services whose Types include ScannerServiceType; empty for non-scanners. */
  scannerServiceUrls: string[];
}

/** Longest identity string kept; devices pad names, attackers send megabytes. */
export const MAX_IDENTITY_CHARS = 128;
/** Most hosted services read (Kyocera lists 20). */
export const MAX_HOSTED_SERVICES = 64;
/** Most addresses read per hosted service. */
export const MAX_SERVICE_ADDRESSES = 8;

const DIALECT = {
  thisDevice: `${DEVPROF_NS}/ThisDevice`,
  thisModel: `${DEVPROF_NS}/ThisModel`,
  relationship: `${DEVPROF_NS}/Relationship`,
} as const;

/** The WS-Transfer Get sent to an XAddr; `to` is the device's endpoint address (`urn:uuid:…`). */
export function buildTransferGet(to: string, messageId?: string): SoapRequest {
  return buildSoapRequest({ action: TRANSFER_GET_ACTION, to, ...(messageId ? { messageId } : {}) }, '');
}

/**
 * The WS-MetadataExchange GetMetadata sent to a hosted service (DPWS: every hosted service
 * answers it); its Relationship names the hosting device, so a hand-listed service URL learns
 * the device's UUID without WS-Discovery.
 */
export function buildGetMetadata(serviceUrl: string, messageId?: string): SoapRequest {
  return buildSoapRequest({ action: GET_METADATA_ACTION, to: serviceUrl, ...(messageId ? { messageId } : {}) }, '<mex:GetMetadata/>', { mex: MEX_NS });
}

/** The GetMetadata request action. */
export const GET_METADATA_ACTION = `${MEX_NS}/GetMetadata/Request`;

/** Parses a GetResponse (or a GetMetadata response: `what` names it); a fault or a foreign document is a ScanError. */
export function parseMetadataResponse(xml: string, what = 'Transfer Get'): WsdDeviceMetadata {
  const envelope = parseSoapEnvelope(xml, `${what} response`);
  throwIfFault(envelope, what);
  const metadata = envelope.payload;
  if (!isNs(metadata, MEX_NS, 'Metadata')) throw protocolError(`${what} response: no mex:Metadata in the body`);
  const out: WsdDeviceMetadata = { hosted: [], scannerServiceUrls: [] };
  for (const section of nsChildren(metadata, MEX_NS, 'MetadataSection')) {
    const dialect = section.attrs.Dialect;
    if (dialect === DIALECT.thisDevice) readThisDevice(nsChild(section, DEVPROF_NS, 'ThisDevice'), out);
    else if (dialect === DIALECT.thisModel) readThisModel(nsChild(section, DEVPROF_NS, 'ThisModel'), out);
    else if (dialect === DIALECT.relationship) readRelationship(section, out);
  }
  out.scannerServiceUrls = [...new Set(out.hosted.filter(isScannerService).flatMap((h) => h.addresses))];
  return out;
}

/** True when a hosted service is a WS-Scan scanner service. */
export function isScannerService(service: HostedService): boolean {
  return service.types.some((t) => t.name === 'ScannerServiceType' && (t.ns === SCAN_NS || t.ns === undefined));
}

function readThisDevice(el: NsElement | undefined, out: WsdDeviceMetadata): void {
  setText(out, 'friendlyName', localized(el, 'FriendlyName'));
  setText(out, 'firmware', nsText(el, DEVPROF_NS, 'FirmwareVersion'));
  setText(out, 'serial', nsText(el, DEVPROF_NS, 'SerialNumber'));
}

function readThisModel(el: NsElement | undefined, out: WsdDeviceMetadata): void {
  setText(out, 'manufacturer', localized(el, 'Manufacturer'));
  setText(out, 'model', localized(el, 'ModelName'));
  setText(out, 'modelNumber', nsText(el, DEVPROF_NS, 'ModelNumber'));
  const url = nsText(el, DEVPROF_NS, 'PresentationUrl');
  if (url !== undefined && isHttpUrl(url)) out.presentationUrl = url;
  const category = el?.children.find((c) => c.name === 'DeviceCategory')?.text;
  setText(out, 'deviceCategory', category);
}

function readRelationship(section: NsElement, out: WsdDeviceMetadata): void {
  for (const rel of nsChildren(section, DEVPROF_NS, 'Relationship')) {
    const host = nsText(nsChild(nsChild(rel, DEVPROF_NS, 'Host'), WSA_NS, 'EndpointReference'), WSA_NS, 'Address');
    if (host !== undefined && out.hostAddress === undefined) out.hostAddress = clean(host);
    for (const hosted of nsChildren(rel, DEVPROF_NS, 'Hosted')) {
      if (out.hosted.length >= MAX_HOSTED_SERVICES) return;
      out.hosted.push(readHosted(hosted));
    }
  }
}

function readHosted(el: NsElement): HostedService {
  const addresses = nsChildren(el, WSA_NS, 'EndpointReference')
    .map((epr) => nsText(epr, WSA_NS, 'Address'))
    .filter((a): a is string => a !== undefined && isHttpUrl(a))
    .slice(0, MAX_SERVICE_ADDRESSES);
  const typesEl = nsChild(el, DEVPROF_NS, 'Types');
  const service: HostedService = { addresses, types: typesEl ? resolveQNames(typesEl, typesEl.text) : [] };
  const serviceId = nsText(el, DEVPROF_NS, 'ServiceId');
  if (serviceId !== undefined) service.serviceId = clean(serviceId);
  return service;
}

/** DPWS localizable strings may repeat with `xml:lang`; the first one wins. */
function localized(el: NsElement | undefined, name: string): string | undefined {
  return nsChildren(el, DEVPROF_NS, name).map((c) => c.text).find((t) => t !== '');
}

function setText<K extends 'friendlyName' | 'firmware' | 'serial' | 'manufacturer' | 'model' | 'modelNumber' | 'deviceCategory'>(out: WsdDeviceMetadata, key: K, value: string | undefined): void {
  const text = value === undefined ? undefined : clean(value);
  if (text) out[key] = text;
}

function clean(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, MAX_IDENTITY_CHARS).trim();
}

function isHttpUrl(value: string): boolean {
  if (value.length > 2048) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
