/**
 * The composition root: builds every part of the gateway from the configuration, wires them,
 * and lists them as components started in order and stopped in reverse (src/app/lifecycle.ts).
 * Policy lives in the parts: previews in jobs/job-previews, button scans in triggers/button-scan,
 * schedule runs in jobs/scheduled-scan, the default target in storage/target-set, re-keying by
 * UUID in the registry. main.ts handles the process.
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { AppConfig } from '../config/load.js';
import { redactedConfig } from '../config/load.js';
import type { Component } from '../core/component.js';
import type { Logger } from '../core/logger.js';
import { NO_TRACE, type ProtocolTracer } from '../core/trace.js';
import { DeviceRegistry } from '../discovery/registry.js';
import { Gateway } from '../gateway/gateway.js';
import { PROTOCOL_MODULES } from '../protocols/index.js';
import { createDriverFactory, protocolPreference } from '../protocols/driver-factory.js';
import { ScannerSettingsStore } from '../gateway/scanner-settings-store.js';
import { CapabilitiesCache } from '../gateway/capabilities-cache.js';
import { createFolderTracer, type FolderTracer } from '../log/trace-folder.js';
import { createHomeAssistantPublisher } from '../homeassistant/publisher.js';
import { createMqttBridge, bridgeWill } from '../mqtt/bridge.js';
import { createScannerDataPublisher } from '../mqtt/scanner-data.js';
import { MqttConnection, type MqttSettings } from '../mqtt/connection.js';
import { embeddedBrokerPolicy, ensureBroker, type EmbeddedBroker } from '../mqtt/embedded-broker.js';
import { createJobStorage } from '../storage/job-storage.js';
import { createStorageSink } from '../storage/storage-sink.js';
import { createFolderTarget } from '../storage/folder/folder-target.js';
import { createTarget } from '../storage/targets/create-target.js';
import { createTargetSet } from '../storage/target-set.js';
import { DeliveryQueue } from '../storage/delivery/delivery-queue.js';
import { deliveryViews } from '../storage/delivery/delivery-views.js';
import { jobDocumentOptions } from '../profiles/document-options.js';
import { scanDefaultsFrom } from '../profiles/scan-defaults.js';
import { JobHistory } from '../jobs/history.js';
import { jobBoundsFromSettings } from '../jobs/job-bounds.js';
import { createJobPreviews } from '../jobs/job-previews.js';
import { runScheduledScan } from '../jobs/scheduled-scan.js';
import { Scheduler } from '../jobs/scheduler.js';
import { createDiscoverySources } from './discovery-sources.js';
import { HealthFile } from './health-file.js';
import { createLifecycle } from './lifecycle.js';
import { ButtonTriggers } from '../triggers/button-triggers.js';
import { scanOnButton } from '../triggers/button-scan.js';
import { createDeviceEventSource } from '../triggers/device-event-source.js';
import { createAdfLoadedSource } from '../triggers/adf-loaded-source.js';
import { EsclServer } from '../escl-server/escl-server.js';
import { createDnsSdAdvertiser } from '../escl-server/dns-sd/dns-sd-advertiser.js';
import type { LogFeed } from '../core/log-feed.js';
import { createDocumentLibrary } from '../library/document-library.js';
import { createWebServer } from '../web/web-server.js';

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
  /** The root logger's tap (src/log/log-tap.ts), for the frontend's live log. */
  logs?: LogFeed;
}

/** Builds the app; nothing runs until start(). */
export function createGatewayApp({ config, logger, version, logs }: GatewayAppDeps): GatewayApp {
  const dataFolder = resolve(config.data.folder);
  const storageFolder = resolve(config.storage.folder);
  const baseTopic = config.mqtt.base_topic;
  const tracer: FolderTracer | undefined = config.trace.folder ? createFolderTracer({ folder: resolve(config.trace.folder), logger: logger.child({ component: 'trace' }) }) : undefined;
  const protocolTracer: ProtocolTracer = tracer ?? NO_TRACE;

  const modules = PROTOCOL_MODULES;
  const registry = new DeviceRegistry({
    logger: logger.child({ component: 'registry' }),
    protocolPreference: protocolPreference(modules),
    protocolFor: (id) => config.protocol_preference[id],
    // The gateway's mDNS browsing sees the `_uscan` adverts of the scanners it shares: those are not devices.
    isOwnFinding: (finding) => esclServer.isOwnFinding(finding),
  });
  const discovery = createDiscoverySources({ config, modules, report: registry.discoveryReport(), logger, tracer: protocolTracer });
  const connection = new MqttConnection({ config: mqttSettingsFrom(config.mqtt), logger, will: bridgeWill(baseTopic) });

  const jobStorage = createJobStorage({ spoolFolder: join(dataFolder, 'spool', 'tmp'), minFreeMb: config.storage.min_free_mb, logger: logger.child({ component: 'storage' }) });
  const targetSet = createTargetSet(
    config.targets.map((t) =>
      createTarget(t, {
        logger: logger.child({ component: 'target', target: t.name }),
        dataFolder,
        publish: (topic, payload, opts) => connection.publish(`${baseTopic}/${topic}`, payload, { ...(opts?.retain !== undefined ? { retain: opts.retain } : {}), qos: opts?.qos === 0 ? 0 : 1 }),
      }),
    ),
    createFolderTarget({ folder: storageFolder, filenameTemplate: config.storage.filename_template, logger: logger.child({ component: 'folder' }) }),
  );
  const deliveries = new DeliveryQueue({
    folder: join(dataFolder, 'spool', 'outbox'),
    resolveTarget: (name) => targetSet.byName(name),
    logger,
    backoff: { minMs: config.delivery.retry_min_s * 1000, maxMs: config.delivery.retry_max_s * 1000 },
  });
  const settingsStore = new ScannerSettingsStore({ dataFolder, logger: logger.child({ component: 'settings' }) });
  const capabilitiesCache = new CapabilitiesCache({ dataFolder, logger: logger.child({ component: 'capabilities-cache' }), protocols: modules.map((m) => m.name) });
  const history = new JobHistory({ dataFolder, maxJobs: config.history.max_jobs, logger: logger.child({ component: 'history' }) });

  const gateway: Gateway = new Gateway({
    registry,
    createDriver: createDriverFactory({ modules, logger, tracer: protocolTracer, jpegQuality: config.scan.jpeg_quality }),
    storageSink: (output) => createStorageSink({ storage: jobStorage, targets: targetSet.forJob(output.targets), deliveries, documentFor: jobDocumentOptions(output) }),
    profiles: config.profiles,
    history,
    deliveries: deliveryViews(deliveries),
    settingsStore,
    capabilitiesCache,
    logger: logger.child({ component: 'gateway' }),
    polling: config.polling,
    scanDefaults: scanDefaultsFrom(config.scan.defaults),
    jobBounds: jobBoundsFromSettings(config.scan),
    keepPartial: config.scan.keep_partial,
    deviceEventPollMs: config.button_poll_ms,
    // Panel entries on shared devices carry it (issue 11 item 5): stable across restarts, distinct per gateway.
    instanceName: config.homeassistant.instance_id || `${hostname()}/${config.mqtt.base_topic}`,
    discoverNow: () => discovery.refresh(),
    sharedUrl: (view): string | undefined => esclServer.sharedUrl(view),
  });
  // Shares scanners onward as eSCL devices (issue 12); their jobs go through the gateway's queue.
  const esclServer: EsclServer = new EsclServer({
    settings: config.escl_server,
    gateway,
    dataFolder,
    logger: logger.child({ component: 'escl-server' }),
    // DNS-SD only when sharing, on the links discovery browses (discovery.mdns_interface).
    ...(config.escl_server.enabled
      ? { advertiser: createDnsSdAdvertiser({ logger: logger.child({ component: 'dns-sd' }), ...(config.discovery.mdns_interface ? { restrictTo: config.discovery.mdns_interface } : {}) }) }
      : {}),
  });

  const bridge = createMqttBridge({
    connection,
    gateway,
    baseTopic,
    logger: logger.child({ component: 'bridge' }),
    info: () => ({ version, config: redactedConfig(config) }),
    clearHomeAssistant: () => homeassistant.clearAll(),
  });
  const homeassistant = createHomeAssistantPublisher({
    link: connection,
    gateway,
    baseTopic,
    discoveryPrefix: config.homeassistant.discovery_prefix,
    statusTopic: config.homeassistant.status_topic,
    ...(config.homeassistant.instance_id ? { instanceId: config.homeassistant.instance_id } : {}),
    version,
    logger,
    enabled: config.homeassistant.enabled,
    virtualButtons: (view) => buttons.virtualButtonsOf(view),
  });
  // Joins HA's write order, so the topics its entities read follow their discovery as before.
  const scannerData = createScannerDataPublisher({ link: connection, gateway, baseTopic, logger, sequence: homeassistant.sequence });
  const health = new HealthFile({ dataFolder, logger, read: () => ({ mqtt_connected: connection.connected, scanners: gateway.listScanners().length }) });
  const scheduler = new Scheduler({
    schedules: config.schedules,
    logger: logger.child({ component: 'scheduler' }),
    scannerState: (id) => gateway.getState(id),
    runScan: (schedule) => runScheduledScan(gateway, schedule),
  });
  const buttons = new ButtonTriggers({
    bindings: config.buttons,
    sources: [createDeviceEventSource(gateway), createAdfLoadedSource(gateway, { debounceMs: config.adf_loaded_debounce_s * 1000 })],
    logger: logger.child({ component: 'buttons' }),
    onPress: scanOnButton(gateway, { busy: config.button_busy, logger: logger.child({ component: 'buttons' }) }),
  });
  const library = createDocumentLibrary({
    storageFolder,
    history: (limit) => gateway.history({ limit }),
    targets: targetSet,
    targetNames: () => config.targets.map((t) => t.name),
    deliveries,
    logger: logger.child({ component: 'library' }),
  });
  const web = createWebServer({
    settings: config.frontend,
    gateway,
    library,
    ...(logs ? { logs } : {}),
    bridge: () => ({ version, base_topic: baseTopic, config: redactedConfig(config) }),
    triggersOf: (id) => config.buttons.filter((b) => b.scanner === id || b.scanner === '*').map((b) => ({ button: b.button, action: b.action, ...(b.profile ? { profile: b.profile } : {}) })),
    logger: logger.child({ component: 'web' }),
  });
  let broker: EmbeddedBroker | null = null;

  // Start order top to bottom, stop order bottom to top. The publishers start late (they read the
  // scanners found so far; the connection's first CONNACK may be long in coming) but stop late (they
  // publish the final offline states the gateway's stop emits): each is listed twice, one half each.
  const components: Component[] = [
    { name: 'trace folder', stop: () => tracer?.close() },
    {
      name: 'folders',
      async start() {
        await mkdir(dataFolder, { recursive: true });
        await mkdir(storageFolder, { recursive: true });
      },
    },
    {
      name: 'embedded broker',
      async start() {
        const policy = embeddedBrokerPolicy({ mode: config.mqtt.embedded_broker, urlGiven: config.userKeys.has('mqtt.url'), username: config.mqtt.username });
        if (policy.allowed) broker = await ensureBroker(config.mqtt.url, logger, { baseTopic });
        else logger.debug({ reason: policy.reason }, 'no embedded MQTT broker');
      },
      async stop() {
        const running = broker;
        broker = null;
        await running?.stop();
      },
    },
    { name: 'mqtt connection', stop: () => connection.stop() },
    { name: 'mqtt bridge', stop: () => bridge.stop() },
    { name: 'home assistant', stop: () => homeassistant.stop() },
    { name: 'scanner data', stop: () => scannerData.stop() },
    { name: 'job history', start: () => history.load(), stop: () => history.close() },
    { name: 'deliveries', start: () => deliveries.start(), stop: () => deliveries.stop() },
    { name: 'capabilities cache', start: () => capabilitiesCache.load(), stop: () => capabilitiesCache.flush() },
    { name: 'scanner settings', start: () => settingsStore.load() },
    // Before the gateway so it is stopped after it: a job that ends during the shutdown still gets its preview.
    createJobPreviews(gateway, logger),
    { name: 'gateway', start: () => gateway.start(), stop: () => gateway.stop() },
    // After the gateway, so its jobs are cancelled and adverts withdrawn before the gateway stops.
    { name: 'escl server', start: () => esclServer.start(), stop: () => esclServer.stop() },
    { name: 'discovery', start: () => discovery.start(), stop: () => discovery.stop() },
    {
      name: 'health file',
      start() {
        health.start();
        connection.onConnect(() => void health.beat());
      },
      stop: () => health.stop(),
    },
    { name: 'scheduler', start: () => scheduler.start(), stop: () => scheduler.stop() },
    { name: 'buttons', start: () => buttons.start(), stop: () => buttons.stop() },
    web,
    { name: 'mqtt bridge', start: () => bridge.start() },
    { name: 'home assistant', start: () => homeassistant.start() },
    { name: 'scanner data', start: () => scannerData.start() },
    // Resolves on the first CONNACK: scanners are found and schedules run while the broker is still away.
    { name: 'mqtt connection', start: () => connection.start() },
    { name: 'started', start: () => logger.info({ version, base_topic: baseTopic, storage: storageFolder, mdns: config.discovery.mdns }, 'scan2mqtt started') },
  ];
  const lifecycle = createLifecycle(components, logger);

  return { gateway, start: () => lifecycle.start(), stop: () => lifecycle.stop() };
}

/** The connection's settings; unset optional keys are left out rather than passed as empty. */
function mqttSettingsFrom(mqtt: AppConfig['mqtt']): MqttSettings {
  return {
    url: mqtt.url,
    client_id: mqtt.client_id,
    reject_unauthorized: mqtt.reject_unauthorized,
    keepalive: mqtt.keepalive,
    ...(mqtt.username ? { username: mqtt.username } : {}),
    ...(mqtt.password ? { password: mqtt.password } : {}),
    ...(mqtt.ca ? { ca: mqtt.ca } : {}),
    ...(mqtt.cert ? { cert: mqtt.cert } : {}),
    ...(mqtt.key ? { key: mqtt.key } : {}),
  };
}
