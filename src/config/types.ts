/** The typed configuration every part receives its slice of (keys as in the config file). */
import type { ColorMode, DocumentFormat, ScanSource } from '../core/capabilities.js';
import type { DeviceConfig } from './devices.js';
import type { ScanProfile } from '../profiles/profile.js';
import type { ScheduleConfig } from '../jobs/schedule-config.js';
import type { TargetConfig } from '../storage/targets/target-config.js';
import type { ButtonBinding } from '../triggers/button-config.js';
import type { ButtonBusyPolicy } from '../triggers/button-scan.js';
import type { EsclServerSettings } from '../escl-server/settings.js';

export type { DeviceConfig } from './devices.js';

/** Broker connection. */
export interface MqttConfig {
  url: string;
  username: string;
  password: string;
  base_topic: string;
  /** Never empty after loading: an empty setting is replaced by `scan2mqtt_<random>`. */
  client_id: string;
  /** PEM file paths; empty = not used. */
  ca: string;
  cert: string;
  key: string;
  reject_unauthorized: boolean;
  keepalive: number;
  /** `auto`: start aedes when the built-in default broker (no URL and no username given) is absent. */
  embedded_broker: 'auto' | 'never';
}

/** Home Assistant MQTT discovery. */
export interface HomeAssistantConfig {
  enabled: boolean;
  discovery_prefix: string;
  status_topic: string;
  /** Empty when only one gateway uses the broker. */
  instance_id: string;
}

/** Where scans land. */
export interface StorageConfig {
  folder: string;
  filename_template: string;
  /** Free-space floor of the data folder's disk; 0 = no check. */
  min_free_mb: number;
}

/** Where persisted state lives. */
export interface DataConfig {
  folder: string;
}

/** Discovery sources. */
export interface DiscoveryConfig {
  mdns: boolean;
  /** Empty = every interface. */
  mdns_interface: string;
  wsd: boolean;
  /** `sane://host[:port]` URLs. */
  saned_hosts: string[];
  rescan_interval_s: number;
}

/** Scan settings used when neither the command nor a profile gives one; absent = device default. */
export interface ScanDefaultsConfig {
  source?: ScanSource;
  resolution?: number;
  color_mode?: ColorMode;
  format: DocumentFormat;
}

/** Scan section: defaults, the bounds of one job, what a broken-off batch keeps. */
export interface ScanConfig {
  defaults: ScanDefaultsConfig;
  max_pages: number;
  max_job_mb: number;
  min_page_bytes_per_s: number;
  page_grace_s: number;
  /** Quality of JPEG pages the gateway encodes from raw lines (SANE). */
  jpeg_quality: number;
  keep_partial: boolean;
}

/** Job history. */
export interface HistoryConfig {
  max_jobs: number;
}

/** Retries of remote deliveries (paperless, WebDAV, email). */
export interface DeliveryConfig {
  retry_min_s: number;
  retry_max_s: number;
}

/** Status polling. */
export interface PollingConfig {
  idle_s: number;
  busy_s: number;
  offline_after_failures: number;
  watched_s: number;
}

/** Log output. */
export interface LogConfig {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  pretty: 'auto' | 'true' | 'false';
}

/** The web frontend (src/web); empty host = every address, empty token/proxy = not set. */
export interface FrontendConfig {
  enabled: boolean;
  port: number;
  host: string;
  auth_token: string;
  ingress_proxy: string;
}

/** Raw protocol tracing; empty folder = off. */
export interface TraceConfig {
  folder: string;
}

/** The whole configuration after defaults, file and env are merged and checked. */
export interface AppConfig {
  mqtt: MqttConfig;
  homeassistant: HomeAssistantConfig;
  storage: StorageConfig;
  data: DataConfig;
  discovery: DiscoveryConfig;
  devices: DeviceConfig[];
  /** Scanner id → the protocol it is scanned over when it speaks several. */
  protocol_preference: Readonly<Record<string, string>>;
  scan: ScanConfig;
  /** Parsed profiles, in config order. */
  profiles: ScanProfile[];
  /** Parsed targets, in config order. */
  targets: TargetConfig[];
  schedules: ScheduleConfig[];
  buttons: ButtonBinding[];
  button_poll_ms: number;
  button_busy: ButtonBusyPolicy;
  adf_loaded_debounce_s: number;
  history: HistoryConfig;
  delivery: DeliveryConfig;
  polling: PollingConfig;
  escl_server: EsclServerSettings;
  log: LogConfig;
  frontend: FrontendConfig;
  trace: TraceConfig;
  /** Key paths the user set in the config file or the environment, whatever the value (defaults are absent). */
  userKeys: ReadonlySet<string>;
}
