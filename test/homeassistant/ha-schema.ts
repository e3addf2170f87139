/**
 * What Home Assistant accepts in a device-based MQTT discovery payload, per platform, as
 * transcribed in /work/shared/ANCHORS.md §3 from the HA docs
 * (home-assistant/home-assistant.io `source/_integrations/`):
 *   mqtt.markdown (device-based discovery, abbreviations, availability, device, origin),
 *   button.mqtt.markdown, select.mqtt.markdown, sensor.mqtt.markdown,
 *   binary_sensor.mqtt.markdown, image.mqtt.markdown, event.mqtt.markdown.
 * `checkDevicePayload` returns every problem found (empty when HA would take the payload
 * and no key would be silently ignored).
 */

/** Entity-key abbreviations (mqtt.markdown, "Supported abbreviations"). */
export const ABBREVIATIONS: Record<string, string> = {
  avty: 'availability',
  avty_mode: 'availability_mode',
  avty_t: 'availability_topic',
  avty_tpl: 'availability_template',
  cmd_t: 'command_topic',
  cmd_tpl: 'command_template',
  cmps: 'components',
  cont_type: 'content_type',
  def_ent_id: 'default_entity_id',
  dev: 'device',
  dev_cla: 'device_class',
  e: 'encoding',
  en: 'enabled_by_default',
  ent_cat: 'entity_category',
  ent_pic: 'entity_picture',
  evt_typ: 'event_types',
  exp_aft: 'expire_after',
  frc_upd: 'force_update',
  ic: 'icon',
  img_e: 'image_encoding',
  img_t: 'image_topic',
  json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template',
  o: 'origin',
  obj_id: 'object_id',
  off_dly: 'off_delay',
  opt: 'optimistic',
  ops: 'options',
  p: 'platform',
  pl_avail: 'payload_available',
  pl_not_avail: 'payload_not_available',
  pl_off: 'payload_off',
  pl_on: 'payload_on',
  pl_prs: 'payload_press',
  ret: 'retain',
  stat_cla: 'state_class',
  stat_t: 'state_topic',
  sug_dsp_prc: 'suggested_display_precision',
  uniq_id: 'unique_id',
  unit_of_meas: 'unit_of_measurement',
  url_t: 'url_topic',
  url_tpl: 'url_template',
  val_tpl: 'value_template',
};

/** Device-block abbreviations (mqtt.markdown). */
export const DEVICE_ABBREVIATIONS: Record<string, string> = {
  cu: 'configuration_url',
  cns: 'connections',
  ids: 'identifiers',
  mf: 'manufacturer',
  mdl: 'model',
  mdl_id: 'model_id',
  hw: 'hw_version',
  sw: 'sw_version',
  sa: 'suggested_area',
  sn: 'serial_number',
};

/** Origin-block abbreviations (mqtt.markdown). */
export const ORIGIN_ABBREVIATIONS: Record<string, string> = { sw: 'sw_version', url: 'support_url' };

/** Availability-entry abbreviations. */
export const AVAILABILITY_ABBREVIATIONS: Record<string, string> = {
  t: 'topic',
  pl_avail: 'payload_available',
  pl_not_avail: 'payload_not_available',
  val_tpl: 'value_template',
};

const AVAILABILITY_KEYS = ['availability', 'availability_topic', 'availability_template', 'availability_mode', 'payload_available', 'payload_not_available'];
const JSON_ATTRIBUTE_KEYS = ['json_attributes_topic', 'json_attributes_template'];
/** Keys every entity platform takes (the `availability*`, `device`, naming and registry keys each page lists). */
const COMMON_KEYS = [
  'platform',
  'unique_id',
  'name',
  'icon',
  'entity_category',
  'entity_picture',
  'enabled_by_default',
  'encoding',
  'qos',
  // Newer HA (2025.10) replaces `object_id` with a full entity id suggestion.
  'default_entity_id',
  ...AVAILABILITY_KEYS,
  ...JSON_ATTRIBUTE_KEYS,
];

/** Keys HA deprecated; the gateway must not send them. */
export const DEPRECATED_KEYS = ['object_id'];

/** Required and optional keys of one platform (full names). */
export interface PlatformSchema {
  required: string[];
  optional: string[];
}

/** Per-platform schemas (ANCHORS.md §3.3). */
export const PLATFORMS: Record<string, PlatformSchema> = {
  // button.mqtt.markdown
  button: { required: ['command_topic'], optional: ['payload_press', 'command_template', 'device_class', 'retain'] },
  // select.mqtt.markdown
  select: { required: ['command_topic', 'options'], optional: ['state_topic', 'value_template', 'command_template', 'optimistic', 'retain'] },
  // sensor.mqtt.markdown
  sensor: {
    required: ['state_topic'],
    optional: ['value_template', 'device_class', 'state_class', 'unit_of_measurement', 'options', 'expire_after', 'force_update', 'suggested_display_precision'],
  },
  // binary_sensor.mqtt.markdown
  binary_sensor: {
    required: ['state_topic'],
    optional: ['payload_on', 'payload_off', 'value_template', 'device_class', 'off_delay', 'expire_after', 'force_update'],
  },
  // image.mqtt.markdown: image_topic and url_topic are "required: exclusive", checked separately.
  image: { required: [], optional: ['image_topic', 'url_topic', 'content_type', 'image_encoding', 'url_template'] },
  // event.mqtt.markdown
  event: { required: ['state_topic', 'event_types'], optional: ['device_class', 'value_template'] },
};

/** Root keys of a device-based payload (mqtt.markdown, "Device discovery payload"). */
export const DEVICE_ROOT: PlatformSchema = {
  required: ['device', 'origin', 'components'],
  optional: [...AVAILABILITY_KEYS, 'command_topic', 'state_topic', 'qos', 'encoding'],
};

const DEVICE_KEYS = ['identifiers', 'connections', 'name', 'manufacturer', 'model', 'model_id', 'hw_version', 'sw_version', 'serial_number', 'suggested_area', 'configuration_url', 'via_device'];
const ORIGIN_KEYS = ['name', 'sw_version', 'support_url'];
const AVAILABILITY_ENTRY_KEYS = ['topic', 'payload_available', 'payload_not_available', 'value_template'];

type Json = Record<string, unknown>;

/** Expands abbreviations; reports a key given under both spellings. */
export function expandKeys(object: Json, table: Record<string, string>, where: string, problems: string[]): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(object)) {
    const full = table[key] ?? key;
    if (full in out) problems.push(`${where}: '${full}' given twice (abbreviated and in full)`);
    out[full] = value;
  }
  return out;
}

function checkKeys(object: Json, allowed: string[], required: string[], where: string, problems: string[]): void {
  for (const key of required) if (object[key] === undefined) problems.push(`${where}: missing required '${key}'`);
  for (const key of Object.keys(object)) {
    if (DEPRECATED_KEYS.includes(key)) problems.push(`${where}: deprecated key '${key}'`);
    else if (!allowed.includes(key) && !required.includes(key)) problems.push(`${where}: unknown key '${key}'`);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkTopic(value: unknown, where: string, problems: string[]): void {
  if (typeof value !== 'string' || value.length === 0 || /[+#]/.test(value)) problems.push(`${where}: bad topic ${JSON.stringify(value)}`);
}

function checkAvailability(list: unknown, where: string, problems: string[]): void {
  if (!Array.isArray(list) || list.length === 0) return void problems.push(`${where}: availability must be a non-empty list`);
  list.forEach((entry, i) => {
    if (!isObject(entry)) return void problems.push(`${where}: availability[${i}] is not an object`);
    const full = expandKeys(entry, AVAILABILITY_ABBREVIATIONS, `${where}.availability[${i}]`, problems);
    checkKeys(full, AVAILABILITY_ENTRY_KEYS, ['topic'], `${where}.availability[${i}]`, problems);
    checkTopic(full.topic, `${where}.availability[${i}].topic`, problems);
  });
}

/** Checks one component against its platform's schema plus the cross-key rules. */
export function checkComponent(id: string, raw: unknown, problems: string[]): void {
  const where = `cmps.${id}`;
  if (!isObject(raw)) return void problems.push(`${where}: not an object`);
  const c = expandKeys(raw, ABBREVIATIONS, where, problems);
  const platform = c.platform;
  const schema = typeof platform === 'string' ? PLATFORMS[platform] : undefined;
  if (!schema) return void problems.push(`${where}: unknown platform ${JSON.stringify(platform)}`);
  checkKeys(c, [...COMMON_KEYS, ...schema.optional], [...schema.required, 'platform', 'unique_id'], where, problems);
  for (const [key, value] of Object.entries(c)) if (key.endsWith('_topic')) checkTopic(value, `${where}.${key}`, problems);
  if (c.availability !== undefined) checkAvailability(c.availability, where, problems);
  if (typeof c.default_entity_id === 'string' && !c.default_entity_id.startsWith(`${platform}.`)) {
    problems.push(`${where}: default_entity_id must start with '${platform}.'`);
  }
  if (platform === 'image' && (c.image_topic === undefined) === (c.url_topic === undefined)) {
    problems.push(`${where}: image needs exactly one of image_topic and url_topic`);
  }
  for (const listKey of ['options', 'event_types']) {
    const list = c[listKey];
    if (list !== undefined && (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string'))) {
      problems.push(`${where}: ${listKey} must be a non-empty list of strings`);
    }
  }
  if (platform === 'sensor' && c.device_class === 'enum' && c.options === undefined) problems.push(`${where}: enum sensor without options`);
}

/** Checks a whole device-based discovery payload; returns every problem. */
export function checkDevicePayload(payload: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(payload)) return ['payload is not an object'];
  const root = expandKeys(payload, ABBREVIATIONS, 'root', problems);
  checkKeys(root, DEVICE_ROOT.optional, DEVICE_ROOT.required, 'root', problems);
  if (root.availability !== undefined) checkAvailability(root.availability, 'root', problems);
  if (isObject(root.device)) {
    const device = expandKeys(root.device, DEVICE_ABBREVIATIONS, 'device', problems);
    checkKeys(device, DEVICE_KEYS, [], 'device', problems);
    const ids = device.identifiers;
    if (!Array.isArray(ids) || ids.length === 0) problems.push('device: identifiers must be a non-empty list');
    if (typeof device.configuration_url === 'string' && !/^(https?|homeassistant):\/\//.test(device.configuration_url)) {
      problems.push('device: configuration_url must be http(s) or homeassistant://');
    }
  } else problems.push('root: device is not an object');
  if (isObject(root.origin)) {
    const origin = expandKeys(root.origin, ORIGIN_ABBREVIATIONS, 'origin', problems);
    checkKeys(origin, ORIGIN_KEYS, ['name'], 'origin', problems);
  } else problems.push('root: origin is not an object');
  if (isObject(root.components)) {
    for (const [id, component] of Object.entries(root.components)) checkComponent(id, component, problems);
  } else problems.push('root: components is not an object');
  return problems;
}

/** Every component of a payload with its keys expanded (for assertions that read naturally). */
export function expandedComponents(payload: { cmps: Record<string, unknown> }): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [id, c] of Object.entries(payload.cmps)) out[id] = expandKeys(c as Json, ABBREVIATIONS, id, []);
  return out;
}
