/** Shapes shared by the discovery builders: components, availability, the device payload. Pure. */

/** HA platforms this gateway creates entities on. */
export type HaPlatform = 'sensor' | 'binary_sensor' | 'button' | 'select' | 'image' | 'event';

/** One entry of an `availability` list; `value_template` maps a JSON state to online/offline. */
export interface HaAvailability {
  topic: string;
  value_template?: string;
  payload_available?: string;
  payload_not_available?: string;
}

/**
 * One entity in a device-based discovery payload. `p` is the platform; other keys are spelled
 * out in full except the shared availability keys, which use the same abbreviations as the
 * root (`avty`, `avty_mode`) so a component's own value replaces the root's rather than
 * sitting beside it under a second spelling.
 */
export interface HaComponent {
  p: HaPlatform;
  unique_id: string;
  [key: string]: unknown;
}

/** The `dev` block: the HA device registry entry. */
export interface HaDevice {
  identifiers: string[];
  name: string;
  manufacturer?: string;
  model?: string;
  serial_number?: string;
  sw_version?: string;
  configuration_url?: string;
  via_device?: string;
}

/** The `o` block: which software sent the discovery (required for device-based discovery). */
export interface HaOrigin {
  name: string;
  sw?: string;
  url?: string;
}

/** A device-based discovery payload for `<prefix>/device/<object_id>/config`. */
export interface DeviceDiscoveryPayload {
  dev: HaDevice;
  o: HaOrigin;
  avty?: HaAvailability[];
  avty_mode?: 'all' | 'any' | 'latest';
  cmps: Record<string, HaComponent>;
}

/** Name the gateway reports as its origin. */
export const ORIGIN_NAME = 'scan2mqtt';

/** The origin block for a gateway version and optional support URL. */
export function originOf(version: string, supportUrl?: string): HaOrigin {
  return { name: ORIGIN_NAME, sw: version, ...(supportUrl ? { url: supportUrl } : {}) };
}

/** Availability bound to the bridge's retained `{"state":"online"}` JSON (zigbee2mqtt style). */
export function bridgeAvailability(bridgeStateTopic: string): HaAvailability {
  return { topic: bridgeStateTopic, value_template: '{{ value_json.state }}' };
}

/**
 * The payload that removes the given components while keeping the rest: HA's documented
 * way is to republish with each dropped component reduced to `{"p": <platform>}`, then
 * republish again without it.
 */
export function withComponentsReduced(
  payload: DeviceDiscoveryPayload,
  dropped: ReadonlyMap<string, HaPlatform>,
): DeviceDiscoveryPayload {
  const cmps: Record<string, HaComponent> = { ...payload.cmps };
  for (const [key, platform] of dropped) cmps[key] = { p: platform } as HaComponent;
  return { ...payload, cmps };
}
