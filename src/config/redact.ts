/** A copy of the config safe to publish (bridge/info) and to log: no secret survives. */
import { TARGET_SECRET_FIELDS } from '../storage/targets/target-config.js';
import { listConfigKeys } from './schema.js';
import type { AppConfig } from './types.js';
import { REDACTED, redactUrlPassword } from '../core/redact.js';

export { REDACTED, redactUrlPassword } from '../core/redact.js';

function setPath(target: Record<string, unknown>, path: string, replace: (value: unknown) => unknown): void {
  const parts = path.split('.');
  const leaf = parts.pop() as string;
  let node: unknown = target;
  for (const part of parts) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Record<string, unknown>)[part];
  }
  if (typeof node !== 'object' || node === null || !(leaf in node)) return;
  const parent = node as Record<string, unknown>;
  parent[leaf] = replace(parent[leaf]);
}

const hideSecret = (value: unknown): unknown => (typeof value === 'string' && value !== '' ? REDACTED : value);

/** The config with every secret (sensitive keys, device passwords, URL passwords) replaced by `***`. */
export function redactedConfig(config: AppConfig): Record<string, unknown> {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  // Bookkeeping of where values came from, not configuration.
  delete copy['userKeys'];
  for (const key of listConfigKeys()) {
    // `devices` is marked sensitive for its passwords only; the rest of each entry is useful to show.
    if (key.sensitive && key.key !== 'devices' && key.key !== 'targets') setPath(copy, key.key, hideSecret);
  }
  setPath(copy, 'mqtt.url', (value) => (typeof value === 'string' ? redactUrlPassword(value) : value));
  copy['devices'] = config.devices.map((device) => ({
    ...device,
    url: redactUrlPassword(device.url),
    ...(device.password === undefined ? {} : { password: REDACTED }),
  }));
  // Targets, like devices, are shown with only their secrets (tokens, passwords, URL passwords) hidden.
  copy['targets'] = config.targets.map((target) => {
    const shown: Record<string, unknown> = { ...target };
    for (const field of TARGET_SECRET_FIELDS) if (shown[field] !== undefined) shown[field] = REDACTED;
    if (typeof shown['url'] === 'string') shown['url'] = redactUrlPassword(shown['url']);
    return shown;
  });
  return copy;
}
