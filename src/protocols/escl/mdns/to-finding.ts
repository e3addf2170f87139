/** A resolved `_uscan._tcp` / `_uscans._tcp` service → a DeviceFinding. Pure. */
import type { DeviceEndpoint, DeviceFinding } from '../../../core/device.js';
import { protocolError } from '../../../core/errors.js';
import type { ResolvedService } from '../../../core/mdns-service.js';
import { esclBaseUrl, esclResourcePath, isLinkLocalIPv6, parseTxt, type TxtRecord } from './txt.js';

export type { ResolvedService } from '../../../core/mdns-service.js';

/** The eSCL service types, as bonjour-service names them (without `_` and `._tcp`). */
export type EsclServiceType = 'uscan' | 'uscans';

/** A device lists a handful of addresses at most; more is noise or an attack. */
export const MAX_ENDPOINT_ADDRESSES = 8;
/** A DNS name is at most 253 characters (RFC 1035); a longer SRV target is cut. */
export const MAX_HOST_NAME_LENGTH = 253;
/** Names longer than this are cut: DNS labels are 63 bytes, `ty` strings 255. */
export const MAX_NAME_LENGTH = 128;

/** Normalises `_uscans._tcp`, `uscans`, … to the service type, or undefined for other types. */
export function esclServiceType(type: string): EsclServiceType | undefined {
  const bare = type.toLowerCase().replace(/^_/, '').replace(/\._tcp(\.local\.?)?$/, '');
  return bare === 'uscan' || bare === 'uscans' ? bare : undefined;
}

/** `e3248000-…` from a TXT `UUID` (with or without `urn:uuid:`), lower-cased; undefined when blank. */
export function uuidFromTxt(txt: TxtRecord): string | undefined {
  const raw = txt.get('uuid')?.trim().toLowerCase().replace(/^urn:uuid:/, '').trim();
  return raw ? raw : undefined;
}

/** Splits `ty` (`Brother DCP-L2530DW series`) into manufacturer (first word) and model (the rest). */
export function makeAndModel(ty: string | undefined): { manufacturer?: string; model?: string } {
  const text = cleanText(ty);
  if (!text) return {};
  const space = text.indexOf(' ');
  if (space < 0) return { model: text };
  return { manufacturer: text.slice(0, space), model: text.slice(space + 1).trim() };
}

/** Converts one resolved service to a finding; throws ProtocolError when it cannot be reached. */
export function findingFromService(service: ResolvedService, opts: { linkLocalZone?: string } = {}): DeviceFinding {
  const type = esclServiceType(service.type);
  if (!type) throw protocolError(`not an eSCL service type: ${service.type}`);
  if (!Number.isInteger(service.port) || service.port < 1 || service.port > 65535) {
    throw protocolError(`service ${service.name} announces an invalid port ${String(service.port)}`);
  }
  const txt = parseTxt(service.rawTxt ?? service.txt);
  const endpoints = endpointsFor(service, type, txt, opts.linkLocalZone);
  if (endpoints.length === 0) throw protocolError(`service ${service.name} has no usable address`);
  const uuid = uuidFromTxt(txt);
  const instanceName = cleanText(service.name);
  const ty = cleanText(txt.get('ty'));
  const finding: DeviceFinding = {
    key: uuid ? `uuid:${uuid}` : `mdns:${instanceName ?? service.name}`,
    source: 'mdns',
    protocol: 'escl',
    // `ty` is the same in the `_uscan` and `_uscans` answers; the instance name may carry an avahi ` (2)`.
    name: ty ?? instanceName ?? 'eSCL scanner',
    endpoints,
    ...makeAndModel(ty),
  };
  const hostName = service.host?.trim().slice(0, MAX_HOST_NAME_LENGTH);
  if (hostName) finding.hostName = hostName;
  const serial = cleanText(txt.get('usb_ser'));
  if (serial) finding.serial = serial;
  const adminUrl = httpUrl(txt.get('adminurl'));
  if (adminUrl) finding.adminUrl = adminUrl;
  const iconUrl = httpUrl(txt.get('representation'));
  if (iconUrl) finding.iconUrl = iconUrl;
  return finding;
}

function endpointsFor(service: ResolvedService, type: EsclServiceType, txt: TxtRecord, zone?: string): DeviceEndpoint[] {
  const secure = type === 'uscans';
  const resourcePath = esclResourcePath(txt);
  const candidates = [...(service.addresses ?? [])];
  if (candidates.length === 0 && service.referer?.address) candidates.push(service.referer.address);
  if (candidates.length === 0 && service.host) candidates.push(service.host.replace(/\.$/, ''));
  const usable = candidates
    .filter((a) => typeof a === 'string' && a.length > 0 && a.length <= 255)
    // Without a zone a link-local address names no interface, so it cannot be dialled.
    .filter((a) => !isLinkLocalIPv6(a) || zone !== undefined || a.includes('%'))
    .sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')))
    .slice(0, MAX_ENDPOINT_ADDRESSES);
  return [...new Set(usable)].map((address) => {
    const endpoint: DeviceEndpoint = { url: esclBaseUrl({ secure, address, port: service.port, resourcePath, zone }) };
    // `_uscans` devices present self-signed certificates (PROTOCOLS.md A.1).
    if (secure) endpoint.insecureTls = true;
    return endpoint;
  });
}

function cleanText(value: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex
  const text = value?.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_LENGTH).trim();
  return text ? text : undefined;
}

function httpUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
