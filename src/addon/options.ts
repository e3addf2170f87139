/**
 * The add-on's options (what the user sets in Home Assistant, `/data/options.json`) and the
 * Supervisor's MQTT service, mapped onto the gateway's own settings as SCAN2MQTT_ variables.
 * Pure: reading the files and asking the Supervisor is main.ts's job.
 */
import { join } from 'node:path';
import type { MqttService } from './supervisor.js';

/** The options config.yaml declares; optional ones are absent when the user left them empty. */
export interface AddonOptions {
  mqtt_url?: string;
  mqtt_username?: string;
  mqtt_password?: string;
  base_topic?: string;
  discovery_prefix?: string;
  storage_folder?: string;
  filename_template?: string;
  discovery_mdns?: boolean;
  discovery_wsd?: boolean;
  devices?: AddonDevice[];
  escl_server?: boolean;
  log_level?: string;
  frontend_auth_token?: string;
}

/** One hand-listed scanner, as the add-on form takes it. */
export interface AddonDevice {
  name: string;
  protocol: string;
  url: string;
  username?: string;
  password?: string;
  friendly_name?: string;
}

/** Where the add-on keeps the gateway's state: the Supervisor backs /data up with the add-on. */
export const ADDON_DATA_FOLDER = 'data';
/** The options the Supervisor writes from the add-on's configuration page. */
export const ADDON_OPTIONS_FILE = 'data/options.json';
/** Where documents land by default: /share is seen by other add-ons (paperless-ngx, Samba). */
export const ADDON_STORAGE_FOLDER = 'share/scan2mqtt';
/** The ingress port config.yaml declares (`ingress_port`); the web frontend listens there. */
export const INGRESS_PORT = 8088;
/** Home Assistant's ingress proxy: its requests are trusted without a token. */
export const INGRESS_PROXY = '172.30.32.2';
/**
 * The address a host-network add-on is reached at on the Supervisor's network (the hassio
 * bridge's gateway), where the ingress proxy connects: the frontend listens there, not on the LAN.
 */
export const INGRESS_LISTEN_HOST = '172.30.32.1';
/** An advanced YAML config in the add-on's own config folder (`addon_config`, /config in the container). */
export const ADDON_CONFIG_FILE = 'config/scan2mqtt.yaml';

/** Where the container's folders are: `/` in the add-on; a test gives a temp folder. */
export interface AddonPlaces {
  root: string;
  /** True when ADDON_CONFIG_FILE exists under the root. */
  configFileExists: boolean;
}

/** The gateway's environment for these options; `mqtt` is the Supervisor's broker, used only when the options name none. */
export function addonEnvironment(options: AddonOptions, mqtt: MqttService | undefined, places: AddonPlaces): Record<string, string> {
  const env: Record<string, string> = {
    SCAN2MQTT_DATA_FOLDER: join(places.root, ADDON_DATA_FOLDER),
    SCAN2MQTT_STORAGE_FOLDER: nonEmpty(options.storage_folder) ?? join(places.root, ADDON_STORAGE_FOLDER),
    // The add-on's log is a plain stream the Supervisor shows; no colours, no terminal.
    SCAN2MQTT_LOG_PRETTY: 'false',
    SCAN2MQTT_FRONTEND_ENABLED: 'true',
    SCAN2MQTT_FRONTEND_PORT: String(INGRESS_PORT),
    SCAN2MQTT_FRONTEND_HOST: INGRESS_LISTEN_HOST,
    SCAN2MQTT_FRONTEND_INGRESS_PROXY: INGRESS_PROXY,
  };
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) env[name] = value;
  };
  const url = nonEmpty(options.mqtt_url);
  if (url !== undefined) {
    set('SCAN2MQTT_MQTT_URL', url);
    set('SCAN2MQTT_MQTT_USERNAME', nonEmpty(options.mqtt_username));
    set('SCAN2MQTT_MQTT_PASSWORD', nonEmpty(options.mqtt_password));
  } else if (mqtt) {
    set('SCAN2MQTT_MQTT_URL', `${mqtt.ssl ? 'mqtts' : 'mqtt'}://${hostForUrl(mqtt.host)}:${mqtt.port}`);
    set('SCAN2MQTT_MQTT_USERNAME', nonEmpty(mqtt.username));
    set('SCAN2MQTT_MQTT_PASSWORD', nonEmpty(mqtt.password));
  }
  set('SCAN2MQTT_MQTT_BASE_TOPIC', nonEmpty(options.base_topic));
  set('SCAN2MQTT_HOMEASSISTANT_DISCOVERY_PREFIX', nonEmpty(options.discovery_prefix));
  set('SCAN2MQTT_STORAGE_FILENAME_TEMPLATE', nonEmpty(options.filename_template));
  if (options.discovery_mdns !== undefined) set('SCAN2MQTT_DISCOVERY_MDNS', String(options.discovery_mdns));
  if (options.discovery_wsd !== undefined) set('SCAN2MQTT_DISCOVERY_WSD', String(options.discovery_wsd));
  if (options.escl_server !== undefined) set('SCAN2MQTT_ESCL_SERVER_ENABLED', String(options.escl_server));
  set('SCAN2MQTT_LOG_LEVEL', nonEmpty(options.log_level));
  set('SCAN2MQTT_FRONTEND_AUTH_TOKEN', nonEmpty(options.frontend_auth_token));
  if (options.devices && options.devices.length > 0) set('SCAN2MQTT_DEVICES', JSON.stringify(options.devices.map(deviceEntry)));
  if (places.configFileExists) set('SCAN2MQTT_CONFIG', join(places.root, ADDON_CONFIG_FILE));
  return env;
}

/** Only the fields the gateway's `devices` entries take, empty optional ones left out. */
function deviceEntry(device: AddonDevice): Record<string, string> {
  const entry: Record<string, string> = { name: device.name, protocol: device.protocol, url: device.url };
  for (const field of ['username', 'password', 'friendly_name'] as const) {
    const value = nonEmpty(device[field]);
    if (value !== undefined) entry[field] = value;
  }
  return entry;
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/** IPv6 literals need brackets in a URL. */
function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
