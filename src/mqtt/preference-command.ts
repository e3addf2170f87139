/**
 * Reads `<base>/<id>/set/<key>` messages from HA selects (or any client) into a typed
 * preference change. Pure; everything from the network is untrusted.
 */
import { COLOR_MODES, DOCUMENT_FORMATS, SCAN_SOURCES } from '../core/capabilities.js';
import { invalidRequest } from '../core/errors.js';
import { PREFERENCE_KEYS, type PreferenceKey, type ScanPreferences } from '../core/gateway-api.js';

/** Longest payload read; a select option is a short word or number. */
export const MAX_PREFERENCE_PAYLOAD_BYTES = 256;

/** Highest resolution accepted as a number before the gateway validates it against the device. */
export const MAX_RESOLUTION_DPI = 100_000;

/** Where a set command is aimed. */
export interface PreferenceTarget {
  scannerId: string;
  key: PreferenceKey;
}

/** One preference change, value typed for its key. */
export type PreferenceChange = {
  [K in PreferenceKey]: { scannerId: string; key: K; value: NonNullable<ScanPreferences[K]> };
}[PreferenceKey];

/** The scanner and key of a set topic under `baseTopic`, or undefined when the topic is not one. */
export function parsePreferenceTopic(baseTopic: string, topic: string): PreferenceTarget | undefined {
  const prefix = `${baseTopic.replace(/\/+$/, '')}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const parts = topic.slice(prefix.length).split('/');
  if (parts.length !== 3 || parts[1] !== 'set') return undefined;
  const [scannerId, , key] = parts;
  if (!scannerId || !key || !isPreferenceKey(key)) return undefined;
  return { scannerId, key };
}

function isPreferenceKey(key: string): key is PreferenceKey {
  return (PREFERENCE_KEYS as readonly string[]).includes(key);
}

/** Parses a set payload for its key; throws ScanError(InvalidRequest) saying what is wrong. */
export function parsePreferenceChange(target: PreferenceTarget, payload: Buffer): PreferenceChange {
  if (payload.length > MAX_PREFERENCE_PAYLOAD_BYTES) {
    throw invalidRequest(`${target.key}: payload longer than ${MAX_PREFERENCE_PAYLOAD_BYTES} bytes`);
  }
  const text = unquote(payload.toString('utf8').trim());
  if (text.length === 0) throw invalidRequest(`${target.key}: empty value`);
  const { scannerId } = target;
  switch (target.key) {
    case 'resolution':
      return { scannerId, key: 'resolution', value: parseResolution(text) };
    case 'source':
      return { scannerId, key: 'source', value: oneOf('source', text, SCAN_SOURCES) };
    case 'color_mode':
      return { scannerId, key: 'color_mode', value: oneOf('color_mode', text, COLOR_MODES) };
    case 'format':
      return { scannerId, key: 'format', value: oneOf('format', text, DOCUMENT_FORMATS) };
    case 'profile':
      return { scannerId, key: 'profile', value: text };
  }
}

/** HA sends the bare option; scripts often send it JSON-quoted. Accept both. */
function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'string') return parsed.trim();
    } catch {
      // Not valid JSON: keep the text as sent, the checks below will say what is wrong.
    }
  }
  return text;
}

function parseResolution(text: string): number {
  if (!/^\d{1,6}$/.test(text)) throw invalidRequest(`resolution: '${clip(text)}' is not a whole number of dpi`);
  const dpi = Number(text);
  if (dpi <= 0 || dpi > MAX_RESOLUTION_DPI) throw invalidRequest(`resolution: ${dpi} dpi is out of range`);
  return dpi;
}

function oneOf<T extends string>(key: string, text: string, allowed: readonly T[]): T {
  const match = allowed.find((v) => v === text);
  if (match === undefined) {
    throw invalidRequest(`${key}: '${clip(text)}' is not one of ${allowed.join(', ')}`);
  }
  return match;
}

/** Error messages echo user input; keep them short. */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
