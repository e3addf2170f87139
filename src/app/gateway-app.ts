/**
 * Builds every part of the gateway from the configuration, wires them, and stops them
 * in reverse order. The only place that knows all parts; main.ts handles the process.
 */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { AppConfig } from '../config/load.js';
import { redactedConfig } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import { NO_TRACE, type ProtocolTracer } from '../core/trace.js';
import type { ScanSettings } from '../core/settings.js';
import { DeviceRegistry } from '../discovery/registry.js';
import { createMdnsDiscovery, type MdnsDiscovery } from '../discovery/mdns/mdns-discovery.js';
import { createBonjour } from '../discovery/mdns/mdns-socket.js';
import { parseDeviceConfig, parseSaneUrl } from '../discovery/static/devices.js';
import { SanedHostDiscovery } from '../discovery/saned/saned-hosts.js';
import { Gateway } from '../gateway/gateway.js';
import { createDriverFactory } from '../gateway/driver-factory.js';
import { ScannerSettingsStore } from '../gateway/scanner-settings-store.js';
import { makePreview } from '../jobs/preview.js';
import { createFolderTracer, type FolderTracer } from '../log/trace-folder.js';
import { createHomeAssistantPublisher, type HomeAssistantPublisher } from '../homeassistant/publisher.js';
import { createMqttBridge, bridgeWill, type MqttBridge } from '../mqtt/bridge.js';
import { MqttConnection } from '../mqtt/connection.js';
import { ensureBroker, type EmbeddedBroker } from '../mqtt/embedded-broker.js';
import { createJobStorage } from '../storage/job-storage.js';
import { createFolderTarget } from '../storage/folder/folder-target.js';
import { HealthFile } from './health-file.js';

/** A running gateway. */
export interface GatewayApp {
  readonly gateway: Gateway;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Everything the app is built from. */
export interface GatewayAppDeps {
  config: AppConfig;
  logger: Logger;
  version: string;
}

/** Builds the app; nothing runs until start(). */
export function createGatewayApp({ config, logger, version }: GatewayAppDeps): GatewayApp {
  const dataFolder = resolve(config.data.folder);
  const storageFolder = resolve(config.storage.folder);
  const tracer: FolderTracer | undefined = config.trace.folder ? createFolderTracer({ folder: resolve(config.trace.folder), logger: logger.child({ component: 'trace' }) }) : undefined;
  const protocolTracer: ProtocolTracer = tracer ?? NO_TRACE;

  const registry = new DeviceRegistry();
  const staticDevices = parseDeviceConfig(config.devices);
  const sanedHosts = [...staticDevices.sanedHosts, ...config.discovery.saned_hosts.map((url) => sanedHostFromUrl(url))];
  const saned = new SanedHostDiscovery({ hosts: sanedHosts, relistIntervalMs: config.discovery.rescan_interval_s * 1000, logger: logger.child({ component: 'saned-hosts' }), tracer: protocolTracer, onFinding: (f) => registry.report(f) });
  let mdns: MdnsDiscovery | undefined;
  if (config.discovery.mdns) {
    mdns = createMdnsDiscovery({
      logger: logger.child({ component: 'mdns' }),
      onFinding: (f) => registry.report(f),
      onGoodbye: (key, url) => registry.withdraw(key, 'mdns', url),
      queryIntervalMs: config.discovery.rescan_interval_s * 1000,
      ...(config.discovery.mdns_interface ? { bonjour: () => createBonjour({ interface: config.discovery.mdns_interface, bind: '0.0.0.0' }) } : {}),
    });
  }

  const jobStorage = createJobStorage({ spoolFolder: join(dataFolder, 'spool', 'tmp'), logger: logger.child({ component: 'storage' }) });
  const folderTarget = createFolderTarget({ folder: storageFolder, filenameTemplate: config.storage.filename_template, logger: logger.child({ component: 'folder' }) });
  const settingsStore = new ScannerSettingsStore({ dataFolder, logger: logger.child({ component: 'settings' }) });

  const gateway: Gateway = new Gateway({
    registry,
    createDriver: createDriverFactory({ logger, tracer: protocolTracer }),
    openStorage: (job) => {
      const session = jobStorage.begin({ jobId: job.id, scannerId: job.scannerId, scannerName: job.scannerName, settings: job.settings, createdAt: job.createdAt });
      return { addPage: (page, onProgress) => session.addPage(page, onProgress), finish: () => session.finish([folderTarget]), abort: () => session.abort() };
    },
    settingsStore,
    logger: logger.child({ component: 'gateway' }),
    polling: config.polling,
    scanDefaults: scanDefaultsFrom(config),
    discoverNow: async () => {
      mdns?.refresh();
      await saned.refresh();
    },
    onJobDone: (scannerId, job) => {
      const stored = job.event.stored ?? [];
      makePreview(stored)
        .then((jpeg) => jpeg && gateway.reportPreview(scannerId, jpeg))
        .catch((error: unknown) => logger.debug({ err: error, scanner: scannerId }, 'no preview for this job'));
    },
    onCapabilities: (entry) => {
      // A hand-listed device is known by URL until it tells its UUID; then mDNS sightings merge into it.
      const uuid = entry.capabilities?.uuid;
      if (uuid && entry.record.key.startsWith('url:')) registry.rekey(entry.record.key, `uuid:${uuid.toLowerCase().replace(/^urn:uuid:/, '')}`);
    },
  });

  const baseTopic = config.mqtt.base_topic;
  const connection = new MqttConnection({
    config: {
      url: config.mqtt.url,
      client_id: config.mqtt.client_id,
      reject_unauthorized: config.mqtt.reject_unauthorized,
      keepalive: config.mqtt.keepalive,
      ...(config.mqtt.username ? { username: config.mqtt.username } : {}),
      ...(config.mqtt.password ? { password: config.mqtt.password } : {}),
      ...(config.mqtt.ca ? { ca: config.mqtt.ca } : {}),
      ...(config.mqtt.cert ? { cert: config.mqtt.cert } : {}),
      ...(config.mqtt.key ? { key: config.mqtt.key } : {}),
    },
    logger,
    will: bridgeWill(baseTopic),
  });
  const info = () => ({ version, config: redactedConfig(config) });
  const bridge: MqttBridge = createMqttBridge({ connection, gateway, baseTopic, logger: logger.child({ component: 'bridge' }), info });
  const homeassistant: HomeAssistantPublisher = createHomeAssistantPublisher({
    link: connection,
    gateway,
    baseTopic,
    discoveryPrefix: config.homeassistant.discovery_prefix,
    statusTopic: config.homeassistant.status_topic,
    ...(config.homeassistant.instance_id ? { instanceId: config.homeassistant.instance_id } : {}),
    version,
    logger,
    enabled: config.homeassistant.enabled,
  });
  const health = new HealthFile({
    dataFolder,
    logger,
    read: () => ({ mqtt_connected: connection.connected, scanners: gateway.listScanners().length }),
  });
  let broker: EmbeddedBroker | null = null;

  return {
    gateway,
    async start() {
      await mkdir(dataFolder, { recursive: true });
      await mkdir(storageFolder, { recursive: true });
      await settingsStore.load();
      if (config.mqtt.embedded_broker === 'auto') broker = await ensureBroker(config.mqtt.url, logger, { baseTopic });
      gateway.start();
      for (const finding of staticDevices.findings) registry.report(finding);
      if (staticDevices.findings.some((f) => f.protocol === 'wsd')) logger.warn('WSD devices are listed in config, but WSD scanning is not implemented yet');
      await bridge.start();
      await homeassistant.start();
      await connection.start();
      saned.start();
      mdns?.start();
      health.start();
      logger.info({ version, base_topic: baseTopic, storage: storageFolder, mdns: config.discovery.mdns }, 'scan2mqtt started');
    },
    async stop() {
      health.stop();
      await mdns?.stop();
      saned.stop();
      await gateway.stop();
      await homeassistant.stop();
      await bridge.stop();
      await connection.stop();
      await broker?.stop();
      await tracer?.close();
    },
  };
}

function sanedHostFromUrl(url: string) {
  const parsed = parseSaneUrl(url);
  return { name: parsed.host, host: parsed.host, port: parsed.port };
}

function scanDefaultsFrom(config: AppConfig): Partial<ScanSettings> {
  const d = config.scan.defaults;
  return {
    format: d.format,
    ...(d.source ? { source: d.source } : {}),
    ...(d.resolution ? { resolution: d.resolution } : {}),
    ...(d.color_mode ? { color_mode: d.color_mode } : {}),
  };
}
