/** The MQTT wire format of a scan command (`<id>/scan`, `bridge/request/scan`) mapped to core's ScanCommand. */
import { parseScanCommand, type ScanCommand } from '../core/commands.js';
import { invalidRequest, scannerNotFound } from '../core/errors.js';
import type { GatewayApi } from '../core/gateway-api.js';

/** Parses a `<id>/scan` payload: empty means a default scan, otherwise a JSON object of command fields. */
export function parseScanPayload(payload: Buffer | string): ScanCommand {
  const text = payload.toString().trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest('command is not valid JSON');
  }
  return parseScanCommand(value);
}

/**
 * Parses a command for a scanner; an unknown scanner is refused as NotFound before its command is
 * looked at, so a typo in the scanner id is what the user hears about first.
 */
export function scanCommandFor(gateway: Pick<GatewayApi, 'getScanner'>, scannerId: string, parse: () => ScanCommand): ScanCommand {
  if (gateway.getScanner(scannerId) === undefined) throw scannerNotFound(scannerId);
  return parse();
}
