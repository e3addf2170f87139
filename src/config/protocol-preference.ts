/**
 * Config `protocol_preference`: per scanner id, the protocol a device that speaks several
 * (eSCL and WSD) is scanned over. Devices not named use the protocol modules' ranks.
 */
import type { ProtocolName } from '../core/capabilities.js';
import { PROTOCOL_MODULES } from '../protocols/index.js';

/** Scanner id → chosen protocol. */
export type ProtocolPreference = Readonly<Record<string, ProtocolName>>;

const SCANNER_ID = /^[a-z0-9_]{1,128}$/;

/** Checks and copies the section; throws an Error naming the entry at fault. */
export function parseProtocolPreference(value: unknown): ProtocolPreference {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('must be an object of scanner id → protocol');
  const names = PROTOCOL_MODULES.map((m) => m.name);
  const out: Record<string, ProtocolName> = {};
  for (const [id, protocol] of Object.entries(value as Record<string, unknown>)) {
    if (!SCANNER_ID.test(id)) throw new Error(`${id}: not a scanner id (lower case a-z, 0-9, _)`);
    if (typeof protocol !== 'string' || !names.includes(protocol)) throw new Error(`${id}: must be one of ${names.join(', ')}`);
    out[id] = protocol;
  }
  return out;
}
