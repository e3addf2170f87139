/**
 * Commands as the gateway takes them, whatever door they came in by: each edge (MQTT, later HTTP
 * and eSCL) maps its own wire format to these types once, with the field-level checks below.
 */
import { COLOR_MODES, DOCUMENT_FORMATS, SCAN_SOURCES } from './capabilities.js';
import { invalidRequest } from './errors.js';
import type { HistoryQuery } from './gateway-api.js';
import type { ScanRegionMm, ScanRequest } from './settings.js';

/** A scan command: every field optional (CONTRACT.md `.../scan`), already checked field by field. */
export type ScanCommand = ScanRequest;

/** The fields a scan command may carry; any other is refused by name. */
export const SCAN_COMMAND_FIELDS: readonly string[] = ['source', 'resolution', 'color_mode', 'format', 'region', 'brightness', 'contrast', 'profile', 'id'];
const COMMAND_FIELDS = new Set(SCAN_COMMAND_FIELDS);
const REGION_FIELDS = ['x', 'y', 'width', 'height'] as const;
/** Longest client job id we echo back; longer ids are refused rather than truncated. */
const MAX_CLIENT_ID_LENGTH = 128;
/** Longest profile name a command may give. */
const MAX_PROFILE_NAME_LENGTH = 64;

/** Checks a decoded scan command (a JSON object's fields) into a ScanCommand; throws InvalidRequest naming the first bad field. */
export function parseScanCommand(value: unknown): ScanCommand {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest('command must be a JSON object');
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!COMMAND_FIELDS.has(key)) throw invalidRequest(`unknown field "${key}"`);
  }
  const command: ScanCommand = {};
  if (input.source !== undefined) command.source = oneOf('source', input.source, SCAN_SOURCES);
  if (input.resolution !== undefined) command.resolution = positiveInteger('resolution', input.resolution);
  if (input.color_mode !== undefined) command.color_mode = oneOf('color_mode', input.color_mode, COLOR_MODES);
  if (input.format !== undefined) command.format = oneOf('format', input.format, DOCUMENT_FORMATS);
  if (input.region !== undefined) command.region = parseRegion(input.region);
  if (input.brightness !== undefined) command.brightness = finiteNumber('brightness', input.brightness);
  if (input.contrast !== undefined) command.contrast = finiteNumber('contrast', input.contrast);
  if (input.profile !== undefined) command.profile = nonEmptyString('profile', input.profile, MAX_PROFILE_NAME_LENGTH);
  if (input.id !== undefined) command.id = nonEmptyString('id', input.id, MAX_CLIENT_ID_LENGTH);
  return command;
}

/** A field that must be a non-empty string (scanner ids, delivery ids, names). */
export function requiredString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidRequest(`"${field}" must be a non-empty string`);
  return value;
}

/** Checks a job history query: `scanner` a non-empty string, `limit` a whole number of 1 or more. */
export function parseHistoryQuery(input: { scanner?: unknown; limit?: unknown }): HistoryQuery {
  const { scanner, limit } = input;
  if (scanner !== undefined) requiredString(scanner, 'scanner');
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) throw invalidRequest('"limit" must be a whole number of 1 or more');
  return { ...(scanner !== undefined ? { scanner: scanner as string } : {}), ...(limit !== undefined ? { limit: limit as number } : {}) };
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw invalidRequest(`${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 100_000) {
    throw invalidRequest(`${field} must be a positive whole number`);
  }
  return value;
}

function finiteNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidRequest(`${field} must be a number`);
  return value;
}

function nonEmptyString(field: string, value: unknown, maxLength: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw invalidRequest(`${field} must be a string of 1 to ${maxLength} characters`);
  }
  return value;
}

function parseRegion(value: unknown): ScanRegionMm {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidRequest('region must be an object with x, y, width, height in mm');
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!(REGION_FIELDS as readonly string[]).includes(key)) throw invalidRequest(`unknown region field "${key}"`);
  }
  const region = { x: 0, y: 0, width: 0, height: 0 };
  for (const key of REGION_FIELDS) {
    const v = input[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalidRequest(`region.${key} must be a number of mm, 0 or more`);
    region[key] = v;
  }
  if (region.width === 0 || region.height === 0) throw invalidRequest('region width and height must be greater than 0');
  return region;
}
