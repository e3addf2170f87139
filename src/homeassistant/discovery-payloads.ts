/**
 * Device-based Home Assistant discovery payloads (`<prefix>/device/<object_id>/config`)
 * for each scanner and for the bridge. Pure: data in, JSON-ready objects out.
 */
import type { ScannerView } from '../core/gateway-api.js';
import {
  ORIGIN_NAME,
  bridgeAvailability,
  originOf,
  type DeviceDiscoveryPayload,
  type HaComponent,
  type HaDevice,
} from './components.js';
import { toSlug, type HaNaming } from './naming.js';
import {
  actionComponents,
  adfComponents,
  buttonEventComponent,
  buttonEventTypes,
  lastScanComponents,
  previewComponent,
  selectComponents,
  statusComponents,
  type ComponentContext,
} from './scanner-components.js';
import { selectOptionsFor } from './select-options.js';

/** What the builders need besides the scanner itself. */
export interface DiscoveryContext {
  naming: HaNaming;
  /** The gateway's version, reported as origin `sw` and the bridge's `sw_version`. */
  version: string;
  supportUrl?: string;
  /** Configured profile names (for the profile select). */
  profiles: readonly string[];
}

/** Per-scanner facts the publisher learns at run time (not in the ScannerView). */
export interface ScannerExtras {
  /** Buttons seen pressed that the capabilities did not list. */
  learnedButtons?: readonly string[];
  /** Virtual buttons bound for the scanner (`adf_loaded`): trigger sources the device itself does not report. */
  virtualButtons?: readonly string[];
}

/** The discovery payload for one scanner. */
export function buildScannerDiscovery(view: ScannerView, ctx: DiscoveryContext, extras: ScannerExtras = {}): DeviceDiscoveryPayload {
  const { naming } = ctx;
  const bridge = bridgeAvailability(naming.bridgeTopics.state);
  const topics = naming.scannerTopics(view.id);
  const cc: ComponentContext = {
    scannerId: view.id,
    entitySlug: toSlug(view.name) || toSlug(view.id) || 'scanner',
    topics,
    uniqueId: (entity) => naming.uniqueId(view.id, entity),
    bridgeAvailability: bridge,
  };
  return {
    dev: scannerDevice(view, naming),
    o: originOf(ctx.version, ctx.supportUrl),
    avty: [bridge, { topic: topics.availability }],
    avty_mode: 'all',
    cmps: scannerComponents(view, ctx, cc, extras),
  };
}

function scannerComponents(
  view: ScannerView,
  ctx: DiscoveryContext,
  cc: ComponentContext,
  extras: ScannerExtras,
): Record<string, HaComponent> {
  const caps = view.capabilities;
  const learned = [...(extras.virtualButtons ?? []), ...(extras.learnedButtons ?? [])];
  const hasFeeder = caps !== undefined && (caps.sources.adf !== undefined || caps.sources.adf_duplex !== undefined);
  // Only devices that push button presses (capabilities `events`, whatever the protocol) get
  // the event entity, or a scanner with a bound virtual button, or any scanner once a press was seen.
  const canPress = (caps?.events?.includes('button') ?? false) || learned.length > 0;
  return {
    ...statusComponents(cc),
    ...(hasFeeder ? adfComponents(cc) : {}),
    ...actionComponents(cc),
    ...selectComponents(cc, selectOptionsFor(caps, ctx.profiles)),
    ...lastScanComponents(cc),
    ...previewComponent(cc),
    ...(canPress ? buttonEventComponent(cc, buttonEventTypes(view, learned)) : {}),
  };
}

function scannerDevice(view: ScannerView, naming: HaNaming): HaDevice {
  const device: HaDevice = {
    identifiers: [naming.scannerIdentifier(view.id)],
    name: view.name,
    via_device: naming.bridgeIdentifier,
  };
  const manufacturer = view.manufacturer ?? view.capabilities?.manufacturer;
  const model = view.model ?? view.capabilities?.model;
  const serial = view.serial ?? view.capabilities?.serial;
  const firmware = view.firmware ?? view.capabilities?.firmware;
  if (manufacturer) device.manufacturer = manufacturer;
  if (model) device.model = model;
  if (serial) device.serial_number = serial;
  if (firmware) device.sw_version = firmware;
  const adminUrl = httpUrlOrUndefined(view.admin_url);
  if (adminUrl) device.configuration_url = adminUrl;
  return device;
}

/** HA accepts only http(s) (or homeassistant://) configuration URLs; anything else is dropped. */
export function httpUrlOrUndefined(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** The bridge's own HA device: connection state, version, and a "discover now" button. */
export function buildBridgeDiscovery(ctx: DiscoveryContext): DeviceDiscoveryPayload {
  const { naming } = ctx;
  const topics = naming.bridgeTopics;
  const bridge = bridgeAvailability(topics.state);
  const slug = toSlug(naming.bridgeIdentifier);
  const suffix = naming.uniquePrefix === ORIGIN_NAME ? '' : ` (${naming.uniquePrefix})`;
  return {
    dev: {
      identifiers: [naming.bridgeIdentifier],
      name: `${ORIGIN_NAME} bridge${suffix}`,
      manufacturer: ORIGIN_NAME,
      model: 'Scanner to MQTT gateway',
      sw_version: ctx.version,
    },
    o: originOf(ctx.version, ctx.supportUrl),
    cmps: {
      // No availability: it must be able to show the bridge offline (the broker's last will).
      connection_state: {
        p: 'binary_sensor',
        unique_id: naming.bridgeUniqueId('connection_state'),
        default_entity_id: `binary_sensor.${slug}_connection_state`,
        name: 'Connection state',
        state_topic: topics.state,
        value_template: '{{ value_json.state }}',
        payload_on: 'online',
        payload_off: 'offline',
        device_class: 'connectivity',
        entity_category: 'diagnostic',
      },
      version: {
        p: 'sensor',
        unique_id: naming.bridgeUniqueId('version'),
        default_entity_id: `sensor.${slug}_version`,
        name: 'Version',
        state_topic: topics.info,
        value_template: '{{ value_json.version }}',
        entity_category: 'diagnostic',
        icon: 'mdi:information-outline',
        avty: [bridge],
      },
      discover: {
        p: 'button',
        unique_id: naming.bridgeUniqueId('discover'),
        default_entity_id: `button.${slug}_discover`,
        name: 'Discover scanners',
        command_topic: topics.discover,
        payload_press: '{}',
        entity_category: 'config',
        icon: 'mdi:magnify-scan',
        avty: [bridge],
      },
    },
  };
}
