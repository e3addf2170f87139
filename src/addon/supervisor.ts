/**
 * The Supervisor's MQTT service (`GET http://supervisor/services/mqtt` with the add-on's
 * SUPERVISOR_TOKEN), given to add-ons that declare `services: [mqtt:want]`. Its answer is
 * network input: bounded, and checked field by field before anything is used.
 */
import { ScanError } from '../core/errors.js';

/** The Supervisor's API base inside an add-on container. */
export const SUPERVISOR_API = 'http://supervisor';
/** How long the Supervisor may take to answer. */
export const SUPERVISOR_TIMEOUT_MS = 10_000;
/** A larger answer is not the service description. */
export const MAX_SUPERVISOR_ANSWER_BYTES = 64 * 1024;
const MAX_FIELD_CHARS = 1024;

/** The broker the Supervisor hands out (Mosquitto add-on, or a broker HA's MQTT integration provides). */
export interface MqttService {
  host: string;
  port: number;
  ssl: boolean;
  protocol?: string;
  username?: string;
  password?: string;
}

/** What the lookup needs. */
export interface SupervisorDeps {
  token: string;
  /** Base URL; the real Supervisor unless a test serves its own. */
  api?: string;
  timeoutMs?: number;
}

/**
 * The MQTT service, or undefined when the Supervisor says there is none (no broker add-on:
 * it answers 400 with `result: error`). Throws ScanError('ProtocolError') for an answer
 * that is not the service description, and ScanError('DeviceOffline') when it cannot be asked.
 */
export async function fetchMqttService(deps: SupervisorDeps): Promise<MqttService | undefined> {
  let response: Response;
  try {
    response = await fetch(`${deps.api ?? SUPERVISOR_API}/services/mqtt`, {
      headers: { Authorization: `Bearer ${deps.token}` },
      signal: AbortSignal.timeout(deps.timeoutMs ?? SUPERVISOR_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ScanError('DeviceOffline', `cannot ask the Supervisor for the MQTT service: ${(error as Error).message}`, { cause: error });
  }
  const text = await boundedText(response);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ScanError('ProtocolError', `the Supervisor's answer (HTTP ${response.status}) is not JSON`);
  }
  if (!isObject(body)) throw new ScanError('ProtocolError', 'the Supervisor\'s answer is not a JSON object');
  if (body.result === 'error' && response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 403) return undefined;
  if (response.status === 401 || response.status === 403) throw new ScanError('AccessDenied', `the Supervisor refused the add-on token (HTTP ${response.status})`);
  if (!response.ok || body.result !== 'ok') throw new ScanError('ProtocolError', `the Supervisor answered HTTP ${response.status} with result ${JSON.stringify(body.result)}`);
  return readService(body.data);
}

function readService(data: unknown): MqttService {
  if (!isObject(data)) throw new ScanError('ProtocolError', 'the MQTT service has no data object');
  const host = data.host;
  if (typeof host !== 'string' || host === '' || host.length > MAX_FIELD_CHARS || /[\s/@?#]/.test(host)) throw new ScanError('ProtocolError', 'the MQTT service has no usable host');
  const port = typeof data.port === 'string' && /^\d{1,5}$/.test(data.port) ? Number(data.port) : data.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) throw new ScanError('ProtocolError', 'the MQTT service has no usable port');
  if (data.ssl !== undefined && typeof data.ssl !== 'boolean') throw new ScanError('ProtocolError', 'the MQTT service\'s ssl is not true or false');
  const service: MqttService = { host, port, ssl: data.ssl === true };
  for (const field of ['protocol', 'username', 'password'] as const) {
    const value = data[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value.length > MAX_FIELD_CHARS) throw new ScanError('ProtocolError', `the MQTT service's ${field} is not a string`);
    service[field] = value;
  }
  return service;
}

async function boundedText(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_SUPERVISOR_ANSWER_BYTES) throw new ScanError('ProtocolError', `the Supervisor's answer is larger than ${MAX_SUPERVISOR_ANSWER_BYTES} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += (chunk as Uint8Array).byteLength;
    if (size > MAX_SUPERVISOR_ANSWER_BYTES) throw new ScanError('ProtocolError', `the Supervisor's answer is larger than ${MAX_SUPERVISOR_ANSWER_BYTES} bytes`);
    chunks.push(chunk as Uint8Array);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
