/** Pure builders and readers for the bridge's MQTT payloads (no I/O). */
import { randomUUID } from 'node:crypto';
import { ScanError, toErrorPayload } from '../core/errors.js';
import type { ScannerView } from '../core/gateway-api.js';
import type { JobEvent } from '../core/job.js';

/** Incoming command and request payloads larger than this are refused unread (CONTRACT: never crash on a huge payload). */
export const MAX_COMMAND_PAYLOAD_BYTES = 64 * 1024;
/** Longest client job id echoed into a failed job event; matches the core validator's limit. */
const MAX_ECHOED_JOB_ID_LENGTH = 128;

/** One entry of the retained `bridge/devices` list. */
export interface DeviceListEntry {
  id: string;
  name: string;
  manufacturer?: string;
  model?: string;
  protocol: ScannerView['protocol'];
  url: string;
  online: boolean;
  /** The eSCL URL the gateway shares the scanner at, when it does. */
  shared_url?: string;
}

/** Types of `bridge/event` messages. */
export type BridgeEventType = 'device_added' | 'device_removed' | 'device_offline' | 'device_online';

/** A `bridge/response/<action>` payload. */
export interface BridgeResponse {
  status: 'ok' | 'error';
  data: object;
  error?: string;
  transaction?: unknown;
}

/** The public fields of a scanner for the devices list (capabilities have their own topic). */
export function deviceListEntry(view: ScannerView): DeviceListEntry {
  const entry: DeviceListEntry = { id: view.id, name: view.name, protocol: view.protocol, url: view.url, online: view.online };
  if (view.manufacturer !== undefined) entry.manufacturer = view.manufacturer;
  if (view.model !== undefined) entry.model = view.model;
  if (view.shared_url !== undefined) entry.shared_url = view.shared_url;
  return entry;
}

/** The retained `bridge/devices` payload. */
export function deviceListPayload(views: readonly ScannerView[]): DeviceListEntry[] {
  return views.map(deviceListEntry);
}

/** A `bridge/event` payload about one scanner. */
export function bridgeEventPayload(type: BridgeEventType, view: ScannerView): { type: BridgeEventType; data: DeviceListEntry } {
  return { type, data: deviceListEntry(view) };
}

/** The retained availability payload of a scanner. */
export function availabilityPayload(view: ScannerView): 'online' | 'offline' {
  return view.online ? 'online' : 'offline';
}

/**
 * The job event published when a command is refused before any job exists.
 * Echoes the client's job id when the payload carried a usable one.
 */
export function refusedJobEvent(scannerId: string, payload: Buffer, error: unknown, now: Date = new Date()): JobEvent {
  const created = now.toISOString();
  return {
    id: commandJobId(payload) ?? randomUUID(),
    scanner: scannerId,
    state: 'failed',
    pages: 0,
    files: [],
    error: toErrorPayload(error),
    trigger: 'command',
    created_at: created,
    finished_at: created,
  };
}

/** The InvalidRequest for a payload over MAX_COMMAND_PAYLOAD_BYTES, or undefined when it is within the limit. */
export function oversizedPayloadError(payload: Buffer): ScanError | undefined {
  if (payload.length <= MAX_COMMAND_PAYLOAD_BYTES) return undefined;
  return new ScanError('InvalidRequest', `payload of ${payload.length} bytes is larger than the limit of ${MAX_COMMAND_PAYLOAD_BYTES} bytes`);
}

/** The `id` field of a command payload, when it is JSON with a short string id; never throws. */
export function commandJobId(payload: Buffer): string | undefined {
  const value = tryParseJson(payload);
  if (!isRecord(value)) return undefined;
  const id = value['id'];
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ECHOED_JOB_ID_LENGTH ? id : undefined;
}

function tryParseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a bridge request: empty means `{}`; anything but a JSON object is an InvalidRequest. */
export function parseRequestPayload(payload: Buffer): Record<string, unknown> {
  const text = payload.toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ScanError('InvalidRequest', 'request is not valid JSON');
  }
  if (!isRecord(value)) throw new ScanError('InvalidRequest', 'request must be a JSON object');
  return value;
}

/** A success response, echoing `transaction` when the request had one. */
export function okResponse(data: object, transaction: unknown): BridgeResponse {
  const response: BridgeResponse = { status: 'ok', data };
  if (transaction !== undefined) response.transaction = transaction;
  return response;
}

/** An error response; `data.code` carries the ScanError code for scripts. */
export function errorResponse(error: unknown, transaction: unknown): BridgeResponse {
  const { code, message } = toErrorPayload(error);
  const response: BridgeResponse = { status: 'error', data: { code }, error: message };
  if (transaction !== undefined) response.transaction = transaction;
  return response;
}
