/** Device identity from WSD addresses and metadata → the identity fields of the capabilities. Pure. */
import type { ScannerCapabilities } from '../../core/capabilities.js';
import type { WsdDeviceMetadata } from './metadata.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The UUID in an endpoint address (`urn:uuid:…` or `uuid:…`), lower case, the form eSCL's TXT
 * `uuid` takes, so a device seen over both protocols merges. Undefined for other addresses.
 */
export function uuidFromAddress(address: string | undefined): string | undefined {
  const bare = address?.trim().toLowerCase().replace(/^urn:/, '').replace(/^uuid:/, '');
  return bare !== undefined && UUID.test(bare) ? bare : undefined;
}

/** The identity a driver adds to its capabilities: from the metadata and the endpoint address. */
export interface WsdIdentity {
  manufacturer?: string;
  model?: string;
  serial?: string;
  firmware?: string;
  uuid?: string;
  adminUrl?: string;
}

/** Identity details from metadata and the device's endpoint address. */
export function identityFrom(metadata: WsdDeviceMetadata | undefined, endpointAddress?: string): WsdIdentity {
  const out: WsdIdentity = {};
  if (metadata?.manufacturer) out.manufacturer = metadata.manufacturer;
  const model = metadata?.model ?? metadata?.modelNumber;
  if (model) out.model = model;
  if (metadata?.serial) out.serial = metadata.serial;
  if (metadata?.firmware) out.firmware = metadata.firmware;
  if (metadata?.presentationUrl) out.adminUrl = metadata.presentationUrl;
  const uuid = uuidFromAddress(endpointAddress);
  if (uuid) out.uuid = uuid;
  return out;
}

/** Copies identity fields onto capabilities (only those known). */
export function withIdentity(caps: ScannerCapabilities, identity: WsdIdentity): ScannerCapabilities {
  const out: ScannerCapabilities = { ...caps };
  if (identity.manufacturer) out.manufacturer = identity.manufacturer;
  if (identity.model) out.model = identity.model;
  if (identity.serial) out.serial = identity.serial;
  if (identity.firmware) out.firmware = identity.firmware;
  if (identity.uuid) out.uuid = identity.uuid;
  if (identity.adminUrl) out.admin_url = identity.adminUrl;
  return out;
}
