/**
 * The HA entities of one scanner, each built from core types. Pure.
 * Component keys double as the entity part of unique ids, so they must never be renamed.
 */
import type { PreferenceKey, ScannerView } from '../core/gateway-api.js';
import type { AdfState, PublishedScannerState } from '../core/status.js';
import type { HaAvailability, HaComponent, HaPlatform } from './components.js';
import type { ScannerTopics } from './naming.js';
import type { SelectOptions } from './select-options.js';

/** Published scanner states, the `status` enum sensor's options. */
export const STATUS_OPTIONS: readonly PublishedScannerState[] = ['idle', 'processing', 'stopped', 'offline'];

/** Feeder states, the `adf` enum sensor's options. */
export const ADF_OPTIONS: readonly AdfState[] = ['loaded', 'empty', 'jam', 'open', 'unknown'];

/** The event type every scanner's button event entity offers, besides its own buttons. */
export const DEFAULT_BUTTON_EVENT = 'scan';

/** What every component builder needs to know about its scanner. */
export interface ComponentContext {
  scannerId: string;
  /** Slug used in `default_entity_id`, e.g. `office_scanner`. */
  entitySlug: string;
  topics: ScannerTopics;
  uniqueId(entity: string): string;
  bridgeAvailability: HaAvailability;
}

type Extra = Record<string, unknown>;

function entity(ctx: ComponentContext, p: HaPlatform, key: string, name: string, extra: Extra): HaComponent {
  return { p, unique_id: ctx.uniqueId(key), default_entity_id: `${p}.${ctx.entitySlug}_${key}`, name, ...extra };
}

/** Status (with the last job as attributes) and connectivity. */
export function statusComponents(ctx: ComponentContext): Record<string, HaComponent> {
  return {
    status: entity(ctx, 'sensor', 'status', 'Status', {
      state_topic: ctx.topics.state,
      value_template: '{{ value_json.status }}',
      device_class: 'enum',
      options: [...STATUS_OPTIONS],
      json_attributes_topic: ctx.topics.state,
      // The state's `job` may be null; HA wants a JSON object for attributes.
      json_attributes_template: '{{ (value_json.job or {}) | tojson }}',
      icon: 'mdi:scanner',
    }),
    // Bound to the bridge only: with the scanner's own availability it could never show "off".
    connectivity: entity(ctx, 'binary_sensor', 'connectivity', 'Connectivity', {
      state_topic: ctx.topics.availability,
      payload_on: 'online',
      payload_off: 'offline',
      device_class: 'connectivity',
      entity_category: 'diagnostic',
      avty: [ctx.bridgeAvailability],
      avty_mode: 'all',
    }),
  };
}

/** Feeder state as an enum and as a paper-loaded binary sensor; only for scanners with a feeder. */
export function adfComponents(ctx: ComponentContext): Record<string, HaComponent> {
  return {
    adf: entity(ctx, 'sensor', 'adf', 'Document feeder', {
      state_topic: ctx.topics.state,
      // `adf` is null when the device does not report it.
      value_template: "{{ value_json.adf or 'unknown' }}",
      device_class: 'enum',
      options: [...ADF_OPTIONS],
      icon: 'mdi:tray-full',
    }),
    adf_loaded: entity(ctx, 'binary_sensor', 'adf_loaded', 'Paper in feeder', {
      state_topic: ctx.topics.state,
      value_template: "{{ 'ON' if value_json.adf == 'loaded' else 'OFF' }}",
      icon: 'mdi:file-document-multiple',
    }),
  };
}

/** Scan (with the stored preferences, hence `{}`) and cancel. */
export function actionComponents(ctx: ComponentContext): Record<string, HaComponent> {
  return {
    scan: entity(ctx, 'button', 'scan', 'Scan', { command_topic: ctx.topics.scan, payload_press: '{}', icon: 'mdi:scanner' }),
    cancel: entity(ctx, 'button', 'cancel', 'Cancel scan', {
      command_topic: ctx.topics.cancel,
      payload_press: '{}',
      icon: 'mdi:cancel',
    }),
  };
}

const SELECT_LABELS: Record<PreferenceKey, { name: string; icon: string }> = {
  source: { name: 'Source', icon: 'mdi:tray' },
  resolution: { name: 'Resolution', icon: 'mdi:blur' },
  color_mode: { name: 'Color mode', icon: 'mdi:palette' },
  format: { name: 'File format', icon: 'mdi:file-document-outline' },
  profile: { name: 'Profile', icon: 'mdi:tune' },
};

/** One select per preference key that has options; state from the retained preferences JSON. */
export function selectComponents(ctx: ComponentContext, options: SelectOptions): Record<string, HaComponent> {
  const out: Record<string, HaComponent> = {};
  for (const [key, values] of Object.entries(options) as [PreferenceKey, string[]][]) {
    const label = SELECT_LABELS[key];
    out[key] = entity(ctx, 'select', key, label.name, {
      command_topic: ctx.topics.set(key),
      state_topic: ctx.topics.preferences,
      // An unset preference renders 'None', which HA's select reads as "no option".
      value_template: `{{ value_json.${key} if value_json.${key} is defined and value_json.${key} is not none else 'None' }}`,
      options: values,
      entity_category: 'config',
      icon: label.icon,
    });
  }
  return out;
}

/** Time, page count and file of the last finished scan, from the retained `last_scan` JSON. */
export function lastScanComponents(ctx: ComponentContext): Record<string, HaComponent> {
  const lastScanTopic = ctx.topics.lastScan;
  return {
    last_scan: entity(ctx, 'sensor', 'last_scan', 'Last scan', {
      state_topic: lastScanTopic,
      value_template: '{{ value_json.finished_at }}',
      device_class: 'timestamp',
      json_attributes_topic: lastScanTopic,
    }),
    last_pages: entity(ctx, 'sensor', 'last_pages', 'Last scan pages', {
      state_topic: lastScanTopic,
      value_template: '{{ value_json.pages }}',
      unit_of_measurement: 'pages',
      icon: 'mdi:counter',
    }),
    last_file: entity(ctx, 'sensor', 'last_file', 'Last file', {
      state_topic: lastScanTopic,
      value_template: '{{ value_json.file }}',
      icon: 'mdi:file-outline',
    }),
  };
}

/** A thumbnail of the last scanned page; raw JPEG bytes on a retained topic. */
export function previewComponent(ctx: ComponentContext): Record<string, HaComponent> {
  return {
    preview: entity(ctx, 'image', 'preview', 'Preview', { image_topic: ctx.topics.preview, content_type: 'image/jpeg' }),
  };
}

/** Presses of the scanner's own buttons; HA discards retained replays, so these are never retained. */
export function buttonEventComponent(ctx: ComponentContext, eventTypes: readonly string[]): Record<string, HaComponent> {
  return {
    button: entity(ctx, 'event', 'button', 'Scanner button', {
      state_topic: ctx.topics.buttonEvent,
      event_types: [...eventTypes],
      device_class: 'button',
    }),
  };
}

/** Event types for a scanner: its own buttons plus `scan`, deduplicated, in a stable order. */
export function buttonEventTypes(view: ScannerView, learned: readonly string[] = []): string[] {
  const buttons = [...(view.capabilities?.buttons ?? []), DEFAULT_BUTTON_EVENT, ...learned];
  return [...new Set(buttons.filter((b) => b.length > 0))];
}
