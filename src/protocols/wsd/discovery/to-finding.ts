/** A discovered WSD endpoint and its metadata → a DeviceFinding. Pure. */
import type { DeviceFinding } from '../../../core/device.js';

/** The metadata facts a finding needs (the WSD protocol's metadata reader returns these). */
export interface WsdFindingMetadata {
  friendlyName?: string;
  manufacturer?: string;
  model?: string;
  serial?: string;
  presentationUrl?: string;
  /** URLs of the hosted ScannerServiceType service; empty for computers and plain printers. */
  scannerServiceUrls: string[];
}

/** Most endpoints kept per device. */
export const MAX_FINDING_ENDPOINTS = 8;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `uuid:<uuid>` for `urn:uuid:…`/`uuid:…` addresses (as eSCL keys, so both protocols merge), else `wsd:<address>`. */
export function findingKeyFor(address: string): string {
  const bare = address.trim().toLowerCase().replace(/^urn:/, '').replace(/^uuid:/, '');
  return UUID.test(bare) ? `uuid:${bare}` : `wsd:${address.trim()}`;
}

/** The finding for a device with a scanner service, or undefined for anything else (not listed). */
export function findingFromMetadata(address: string, metadata: WsdFindingMetadata): DeviceFinding | undefined {
  const urls = usableUrls(metadata.scannerServiceUrls);
  if (urls.length === 0) return undefined;
  const finding: DeviceFinding = {
    key: findingKeyFor(address),
    source: 'wsd',
    protocol: 'wsd',
    name: displayName(metadata),
    endpoints: urls.map((url) => ({ url })),
  };
  if (metadata.manufacturer) finding.manufacturer = metadata.manufacturer;
  if (metadata.model) finding.model = metadata.model;
  if (metadata.serial) finding.serial = metadata.serial;
  if (metadata.presentationUrl) finding.adminUrl = metadata.presentationUrl;
  return finding;
}

/** `Kyocera ECOSYS M2040dn`: maker and model (once), else the friendly name. */
function displayName(metadata: WsdFindingMetadata): string {
  const { manufacturer, model } = metadata;
  if (model) return manufacturer && !model.toLowerCase().startsWith(manufacturer.toLowerCase()) ? `${manufacturer} ${model}` : model;
  return metadata.friendlyName ?? manufacturer ?? 'WSD scanner';
}

/**
 * IPv4 before IPv6; link-local IPv6 without a zone dropped (it names no interface, so it cannot
 * be dialled), as for mDNS findings.
 */
function usableUrls(urls: readonly string[]): string[] {
  const usable = urls.filter((url) => {
    try {
      const host = new URL(url).hostname;
      return !/^\[fe80:/i.test(host) || host.includes('%25');
    } catch {
      return false;
    }
  });
  const v6 = (url: string) => Number(new URL(url).hostname.startsWith('['));
  return [...new Set(usable)].sort((a, b) => v6(a) - v6(b)).slice(0, MAX_FINDING_ENDPOINTS);
}
