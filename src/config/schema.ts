/**
 * The one configuration schema: every key with its doc, format, default and secrecy.
 * Env names are derived from key paths (`mqtt.base_topic` → `SCAN2MQTT_MQTT_BASE_TOPIC`)
 * so code, --help and README cannot drift apart.
 */
import type convict from 'convict';
import { COLOR_MODES, DOCUMENT_FORMATS, SCAN_SOURCES } from '../core/capabilities.js';
import { DEFAULT_MAX_JOB_MB, DEFAULT_MAX_PAGES, DEFAULT_MIN_PAGE_BYTES_PER_S, DEFAULT_PAGE_GRACE_S } from '../jobs/job-bounds.js';
import { FORMAT } from './formats.js';
import { DEFAULT_MIN_FREE_MB } from '../storage/free-space.js';
import { DEFAULT_WATCHED_POLL_S } from '../gateway/status-poller.js';
import { BUTTON_BUSY_POLICIES } from '../triggers/button-scan.js';
import { DEFAULT_ADF_LOADED_DEBOUNCE_S } from '../triggers/adf-loaded-source.js';

/** `scan.jpeg_quality` default: the quality SANE pages were always encoded at (src/protocols/sane/page-encoder.ts JPEG_QUALITY). */
const DEFAULT_JPEG_QUALITY = 90;

/** Prefix of every config env variable. */
export const ENV_PREFIX = 'SCAN2MQTT_';
/** Env variable naming the config file (like `--config`). */
export const CONFIG_FILE_ENV = 'SCAN2MQTT_CONFIG';
/** Suffix of the env variables that name a file holding a secret (Docker/Kubernetes secrets). */
export const FILE_ENV_SUFFIX = '_FILE';
/** The broker the gateway tries first, and where the embedded broker listens if none answers. */
export const DEFAULT_MQTT_URL = 'mqtt://localhost:1883';

/** One leaf of the schema, as convict reads it (plus `min`/`max` for integers). */
export interface ConfigKeySpec {
  doc: string;
  format: string | readonly string[];
  default: unknown;
  sensitive?: boolean;
  nullable?: boolean;
  min?: number;
  max?: number;
}

/** A section of the schema: named keys or nested sections. */
export interface ConfigSectionSpec {
  [key: string]: ConfigKeySpec | ConfigSectionSpec;
}

const text = (doc: string, defaultValue = '', extra: Partial<ConfigKeySpec> = {}): ConfigKeySpec => ({
  doc,
  format: FORMAT.text,
  default: defaultValue,
  ...extra,
});
const flag = (doc: string, defaultValue: boolean): ConfigKeySpec => ({ doc, format: FORMAT.boolean, default: defaultValue });
const integer = (doc: string, defaultValue: number, min: number, max: number): ConfigKeySpec => ({
  doc,
  format: FORMAT.integer,
  default: defaultValue,
  min,
  max,
});
const choice = (doc: string, values: readonly string[], defaultValue: string | null): ConfigKeySpec => ({
  doc,
  format: values,
  default: defaultValue,
  nullable: defaultValue === null,
});

const MAX_DPI = 9600;
/** The frontend's port (issue 15), also the Home Assistant add-on's ingress port. */
export const DEFAULT_FRONTEND_PORT = 8088;
const MAX_SECONDS = 86_400;

/** The schema, in the order --help and the example file present it. */
export const CONFIG_SCHEMA: ConfigSectionSpec = {
  mqtt: {
    url: { doc: 'Broker URL (mqtt://, mqtts://, ws://, wss://)', format: FORMAT.mqttUrl, default: DEFAULT_MQTT_URL },
    username: text('Broker user name; empty for anonymous'),
    password: text('Broker password', '', { sensitive: true }),
    base_topic: { doc: 'Topic every gateway topic starts with', format: FORMAT.mqttTopic, default: 'scan2mqtt' },
    client_id: text('MQTT client id; empty generates scan2mqtt_<random>'),
    ca: text('CA certificate file (PEM) for mqtts://; empty uses the system CAs'),
    cert: text('Client certificate file (PEM) for TLS client auth'),
    key: text('Client private key file (PEM) for TLS client auth'),
    reject_unauthorized: flag('Verify the broker certificate', true),
    keepalive: integer('MQTT keepalive in seconds (0 turns it off)', 60, 0, 65_535),
    embedded_broker: choice('auto: start a built-in loopback broker when the default broker is absent (only when neither mqtt.url nor mqtt.username is set); never: do not', ['auto', 'never'], 'auto'),
  },
  homeassistant: {
    enabled: flag('Publish Home Assistant MQTT discovery', true),
    discovery_prefix: { doc: 'Home Assistant discovery prefix', format: FORMAT.mqttTopic, default: 'homeassistant' },
    status_topic: { doc: 'Topic where Home Assistant announces online/offline', format: FORMAT.mqttTopic, default: 'homeassistant/status' },
    instance_id: { doc: 'Keeps unique ids distinct when several gateways share a broker; letters, digits, _ and -', format: FORMAT.identifier, default: '' },
  },
  storage: {
    folder: { doc: 'Folder scans are stored in', format: FORMAT.nonEmptyText, default: './data/scans' },
    filename_template: {
      doc: 'File name inside the folder; placeholders {scanner} {date} {time} {job} {page} {ext}',
      format: FORMAT.filenameTemplate,
      default: '{scanner}/{date}_{time}_{job}_p{page}.{ext}',
    },
    min_free_mb: integer('A job is refused (InsufficientStorage) while the data folder disk has less free space, in MB; 0 turns the check off', DEFAULT_MIN_FREE_MB, 0, 10_000_000),
  },
  data: {
    folder: { doc: 'Folder for persisted settings, spool and job history', format: FORMAT.nonEmptyText, default: './data' },
  },
  discovery: {
    mdns: flag('Find eSCL scanners (_uscan._tcp, _uscans._tcp) and saned hosts (_sane-port._tcp) by mDNS/DNS-SD', true),
    mdns_interface: text('Browse mDNS only on this interface (name, or one of its addresses); empty browses on every multicast-capable interface'),
    wsd: flag('Find WSD scanners by WS-Discovery', true),
    saned_hosts: { doc: 'saned hosts whose devices are offered: list of sane://host[:port]', format: FORMAT.sanedHosts, default: [] },
    rescan_interval_s: integer('Seconds between discovery rounds', 300, 1, MAX_SECONDS),
  },
  devices: {
    doc: 'Scanners given by hand: list of {name, protocol (escl|wsd|sane), url, username?, password?, friendly_name?, insecure_tls?}',
    format: FORMAT.devices,
    default: [],
    // Entries may hold passwords: never echo the value in an error.
    sensitive: true,
  },
  protocol_preference: {
    doc: 'Per scanner id, the protocol a device speaking several is scanned over: {"<id>": "escl"|"wsd"|"sane"}; others prefer eSCL, then WSD, then SANE',
    format: FORMAT.protocolPreference,
    default: {},
  },
  scan: {
    defaults: {
      source: choice('Default source (platen|adf|adf_duplex); unset uses the device default', SCAN_SOURCES, null),
      resolution: { doc: 'Default resolution in dpi; unset uses the device default', format: FORMAT.integer, default: null, nullable: true, min: 1, max: MAX_DPI },
      color_mode: choice('Default colour mode (color|gray|bw); unset uses the device default', COLOR_MODES, null),
      format: choice('Default document format', DOCUMENT_FORMATS, 'pdf'),
    },
    max_pages: integer('Pages one job may deliver; one more cancels the job on the device and fails it (LimitExceeded), storing nothing', DEFAULT_MAX_PAGES, 1, 1_000_000),
    max_job_mb: integer('MiB one job may deliver; more cancels the job on the device and fails it (LimitExceeded), storing nothing', DEFAULT_MAX_JOB_MB, 1, 1024 ** 3),
    min_page_bytes_per_s: integer('Slowest rate (bytes/s from the device) a page may arrive at after its grace time; slower fails the job (Timeout)', DEFAULT_MIN_PAGE_BYTES_PER_S, 1, 1024 ** 3),
    page_grace_s: integer('Seconds each page gets before min_page_bytes_per_s applies', DEFAULT_PAGE_GRACE_S, 1, MAX_SECONDS),
    jpeg_quality: integer('JPEG quality (1-100) of pages the gateway encodes itself from raw lines (SANE JPEG and PDF pages); Debian scanimage writes 75; higher is sharper and bigger', DEFAULT_JPEG_QUALITY, 1, 100),
    keep_partial: flag('When the device breaks a batch off (jam, gone, timeout), store its complete pages and report them with "partial": true', true),
  },
  profiles: {
    doc: 'Named scan presets: {name: {source, resolution, color_mode, format, region|page_size, document, targets, adapt}}',
    format: FORMAT.profiles,
    default: {},
  },
  targets: {
    doc: 'Named delivery targets: {name: {type (folder|paperless|webdav|email|mqtt), ...}}',
    format: FORMAT.targets,
    default: {},
    // Entries hold tokens and passwords: never echo the value in an error.
    sensitive: true,
  },
  schedules: {
    doc: 'Scheduled scans: list of {name, cron (5 fields), scanner, profile?, only_if_adf_loaded?, timezone?}',
    format: FORMAT.schedules,
    default: [],
  },
  buttons: {
    doc: 'Scanner buttons (and the virtual adf_loaded) that start a scan or only publish the press: list of {scanner, button, profile?, action? (scan|event)}; only bound scanners are watched',
    format: FORMAT.buttons,
    default: [],
  },
  button_poll_ms: integer('Milliseconds between reads of bound scanner buttons (SANE sensors)', 500, 100, 60_000),
  button_busy: choice('A button press while its scanner is busy: queue (scan after the running job) or refuse; either way reported on .../button', BUTTON_BUSY_POLICIES, 'queue'),
  adf_loaded_debounce_s: integer('Seconds the feeder must stay loaded before adf_loaded presses (paper goes in sheet by sheet)', DEFAULT_ADF_LOADED_DEBOUNCE_S, 0, 60),
  history: {
    max_jobs: integer('Finished jobs kept in the job history (bridge/request/history)', 200, 1, 10_000),
  },
  delivery: {
    retry_min_s: integer('Seconds before the first retry of a failed remote delivery', 30, 1, MAX_SECONDS),
    retry_max_s: integer('Longest wait between delivery retries, in seconds', 3600, 1, 7 * MAX_SECONDS),
  },
  polling: {
    idle_s: integer('Seconds between status polls of an idle scanner', 10, 1, MAX_SECONDS),
    busy_s: integer('Seconds between status polls while a job runs', 2, 1, MAX_SECONDS),
    offline_after_failures: integer('Failed polls in a row before a scanner is reported offline', 3, 1, 1000),
    watched_s: integer('Seconds between status polls of an idle scanner whose feeder a trigger watches (adf_loaded bound)', DEFAULT_WATCHED_POLL_S, 1, MAX_SECONDS),
  },
  escl_server: {
    enabled: flag('Share scanners onward as driverless eSCL (AirScan) scanners, each on its own port with its root at /eSCL', false),
    port: integer('First port of the eSCL server; each shared scanner keeps its own port (data folder) from here up', 8090, 1, 65_535),
    share: {
      doc: 'Scanner ids to share over eSCL (list, or comma-separated in the env); unset shares every scanner that is not itself eSCL',
      format: FORMAT.scannerIds,
      default: null,
      nullable: true,
    },
    allow: {
      doc: 'Clients allowed to use the eSCL server: list of addresses or CIDRs; unset allows loopback and the subnets of this host. Anyone else gets 403',
      format: FORMAT.cidrs,
      default: null,
      nullable: true,
    },
    username: text('HTTP basic-auth user name for the eSCL server; empty: no authentication (macOS Image Capture cannot authenticate)'),
    password: text('HTTP basic-auth password for the eSCL server', '', { sensitive: true }),
    tls: flag('Also speak HTTPS on each shared scanner\'s port (beside plain HTTP; advertised as _uscans._tcp and _uscan._tcp) with a self-signed certificate kept in the data folder', false),
    job_timeout_s: integer('Seconds an eSCL job may go without its client fetching or deleting it before it is cancelled', 60, 1, MAX_SECONDS),
  },
  log: {
    level: { doc: 'trace, debug, info, warn, error, fatal or silent', format: FORMAT.logLevel, default: 'info' },
    pretty: { doc: 'Human-readable logs: auto (when stdout is a terminal), true or false', format: FORMAT.pretty, default: 'auto' },
  },
  frontend: {
    enabled: flag('Serve the web frontend (devices, scan, library, bridge)', true),
    port: integer('TCP port of the web frontend', DEFAULT_FRONTEND_PORT, 1, 65_535),
    host: {
      doc: 'Address the frontend listens on; empty: every address (0.0.0.0). Without auth_token and ingress_proxy it listens on 127.0.0.1 only, whatever this says',
      format: FORMAT.ipAddress,
      default: '',
    },
    auth_token: text('Token every frontend request must carry (Authorization: Bearer, or ?token= once, which sets a cookie); empty: loopback only', '', { sensitive: true }),
    ingress_proxy: {
      doc: "Address of Home Assistant's ingress proxy (172.30.32.2 in an add-on): its requests are trusted without a token; empty: none",
      format: FORMAT.ipAddress,
      default: '',
    },
  },
  trace: {
    folder: text('Folder raw protocol exchanges are written to (for bug reports); empty turns tracing off'),
  },
};

/** A key as documented to users: path, env name, default, doc. */
export interface ConfigKeyInfo {
  key: string;
  env: string;
  default: unknown;
  doc: string;
  sensitive: boolean;
}

/** `mqtt.base_topic` → `SCAN2MQTT_MQTT_BASE_TOPIC`. */
export function envNameFor(keyPath: string): string {
  return ENV_PREFIX + keyPath.replace(/\./g, '_').toUpperCase();
}

/** True for a schema leaf (it has a default), false for a section. */
export function isKeySpec(node: ConfigKeySpec | ConfigSectionSpec): node is ConfigKeySpec {
  return Object.prototype.hasOwnProperty.call(node, 'default');
}

/** Every key of the schema in order, for --help, the README and the `_FILE` lookup. */
export function listConfigKeys(schema: ConfigSectionSpec = CONFIG_SCHEMA, prefix = ''): ConfigKeyInfo[] {
  return Object.entries(schema).flatMap(([name, node]) => {
    const key = prefix + name;
    if (!isKeySpec(node)) return listConfigKeys(node, key + '.');
    return [{ key, env: envNameFor(key), default: node.default, doc: node.doc, sensitive: node.sensitive === true }];
  });
}

/** The schema as convict takes it, each key given its derived env name. */
export function toConvictSchema(schema: ConfigSectionSpec = CONFIG_SCHEMA, prefix = ''): convict.Schema<unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, node] of Object.entries(schema)) {
    const key = prefix + name;
    out[name] = isKeySpec(node)
      ? { ...node, format: Array.isArray(node.format) ? [...node.format] : node.format, env: envNameFor(key) }
      : toConvictSchema(node, key + '.');
  }
  return out as convict.Schema<unknown>;
}
