/**
 * Builds every part of the gateway from the configuration, wires them, and stops them
 * in reverse order. The only place that knows all parts; main.ts handles the process.
 */
import { join, resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import sharp from 'sharp';
import type { AppConfig } from '../config/load.js';
import { redactedConfig } from '../config/load.js';
import { ScanError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { NO_TRACE, type ProtocolTracer } from '../core/trace.js';
import type { ScanSettings } from '../core/settings.js';
import { DeviceRegistry } from '../discovery/registry.js';
import { Gateway, type GatewayDeps } from '../gateway/gateway.js';
import { PROTOCOL_MODULES } from '../protocols/index.js';
import { createDriverFactory, protocolPreference } from '../protocols/driver-factory.js';
import { ScannerSettingsStore } from '../gateway/scanner-settings-store.js';
import { CapabilitiesCache } from '../gateway/capabilities-cache.js';
import { makePreview } from '../jobs/preview.js';
import { createFolderTracer, type FolderTracer } from '../log/trace-folder.js';
import { createHomeAssistantPublisher, type HomeAssistantPublisher } from '../homeassistant/publisher.js';
import { createMqttBridge, bridgeWill, type MqttBridge } from '../mqtt/bridge.js';
import { createScannerDataPublisher } from '../mqtt/scanner-data.js';
import { MqttConnection } from '../mqtt/connection.js';
import { embeddedBrokerPolicy, ensureBroker, type EmbeddedBroker } from '../mqtt/embedded-broker.js';
import { createJobStorage } from '../storage/job-storage.js';
import { createStorageSink } from '../storage/storage-sink.js';
import { createFolderTarget } from '../storage/folder/folder-target.js';
import { createTarget } from '../storage/targets/create-target.js';
import type { StorageTarget } from '../storage/target.js';
import { DeliveryQueue } from '../storage/delivery/delivery-queue.js';
import { toDocumentOptions } from '../profiles/document-options.js';
import { JobHistory } from '../jobs/history.js';
import type { JobBounds } from '../jobs/job-bounds.js';
import { Scheduler } from '../jobs/scheduler.js';
import type { ScheduleConfig } from '../jobs/schedule-config.js';
import { FINAL_JOB_STATES, type JobEvent } from '../core/job.js';
import { createDiscoverySources } from './discovery-sources.js';
import { HealthFile } from './health-file.js';
import { ButtonTriggers } from '../triggers/button-triggers.js';
import { createDeviceEventSource } from '../triggers/device-event-source.js';
import type { ButtonBinding } from '../triggers/button-config.js';
import type { TriggerReport } from '../triggers/trigger-source.js';

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

  const modules = PROTOCOL_MODULES;
  const registry = new DeviceRegistry({ logger: logger.child({ component: 'registry' }), protocolPreference: protocolPreference(modules), protocolFor: (id) => config.protocol_preference[id] });
  const discovery = createDiscoverySources({ config, modules, report: registry.discoveryReport(), logger, tracer: protocolTracer });

  const jobStorage = createJobStorage({ spoolFolder: join(dataFolder, 'spool', 'tmp'), minFreeMb: config.storage.min_free_mb, logger: logger.child({ component: 'storage' }) });
  const folderTarget = createFolderTarget({ folder: storageFolder, filenameTemplate: config.storage.filename_template, logger: logger.child({ component: 'folder' }) });
  const settingsStore = new ScannerSettingsStore({ dataFolder, logger: logger.child({ component: 'settings' }) });
  const capabilitiesCache = new CapabilitiesCache({ dataFolder, logger: logger.child({ component: 'capabilities-cache' }), protocols: modules.map((m) => m.name) });
  const targets = new Map<string, StorageTarget>(
    config.targets.map((t) => [t.name, createTarget(t, { logger: logger.child({ component: 'target', target: t.name }), dataFolder, publish: (topic, payload, opts) => connection.publish(`${config.mqtt.base_topic}/${topic}`, payload, { ...(opts?.retain !== undefined ? { retain: opts.retain } : {}), qos: opts?.qos === 0 ? 0 : 1 }) })]),
  );
  const deliveries = new DeliveryQueue({
    folder: join(dataFolder, 'spool', 'outbox'),
    resolveTarget: (name) => targets.get(name) ?? (name === folderTarget.name ? folderTarget : undefined),
    logger,
    backoff: { minMs: config.delivery.retry_min_s * 1000, maxMs: config.delivery.retry_max_s * 1000 },
  });
  const history = new JobHistory({ dataFolder, maxJobs: config.history.max_jobs, logger: logger.child({ component: 'history' }) });

  const gateway: Gateway = new Gateway({
    registry,
    createDriver: createDriverFactory({ modules, logger, tracer: protocolTracer }),
    storageSink: (output) =>
      createStorageSink({
        storage: jobStorage,
        // Config checks every profile's target names at load; an empty list means the storage folder.
        targets: output.targets.length > 0 ? output.targets.flatMap((name) => targets.get(name) ?? []) : [folderTarget],
        deliveries,
        documentFor: (job) => toDocumentOptions(output.document, { scanner: job.scannerName, job: job.id, createdAt: job.createdAt, ...(output.profile ? { profile: output.profile } : {}) }),
      }),
    profiles: config.profiles,
    history,
    deliveries: deliveryViews(deliveries),
    settingsStore,
    capabilitiesCache,
    logger: logger.child({ component: 'gateway' }),
    polling: config.polling,
    scanDefaults: scanDefaultsFrom(config),
    jobBounds: jobBoundsFrom(config),
    keepPartial: config.scan.keep_partial,
    deviceEventPollMs: config.button_poll_ms,
    discoverNow: () => discovery.refresh(),
    onJobDone: (scannerId, job) => {
      // The preview topic is always kept (src/mqtt/scanner-data.ts); a 480 px thumbnail is cheap to make.
      const stored = job.event.stored ?? [];
      makePreview(stored)
        .then((jpeg) => jpeg && gateway.reportPreview(scannerId, jpeg))
        .catch((error: unknown) => logger.debug({ err: error, scanner: scannerId }, 'no preview for this job'));
    },
    onCapabilities: (scanner) => {
      // A hand-listed device is known by URL until it tells its UUID; then mDNS sightings merge into it.
      const uuid = scanner.capabilities?.uuid;
      if (uuid && scanner.record.key.startsWith('url:')) registry.rekey(scanner.record.key, `uuid:${uuid.toLowerCase().replace(/^urn:uuid:/, '')}`);
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
  const bridge: MqttBridge = createMqttBridge({
    connection,
    gateway,
    baseTopic,
    logger: logger.child({ component: 'bridge' }),
    info,
    clearHomeAssistant: () => homeassistant.clearAll(),
  });
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
  // Joins HA's write order, so the topics its entities read follow their discovery as before.
  const scannerData = createScannerDataPublisher({ link: connection, gateway, baseTopic, logger, sequence: homeassistant.sequence });
  const health = new HealthFile({
    dataFolder,
    logger,
    read: () => ({ mqtt_connected: connection.connected, scanners: gateway.listScanners().length }),
  });
  const scheduler = new Scheduler({
    schedules: config.schedules,
    logger: logger.child({ component: 'scheduler' }),
    scannerState: (id) => gateway.getState(id),
    runScan: (schedule) => runScheduledScan(gateway, schedule),
  });
  const buttons = new ButtonTriggers({
    bindings: config.buttons,
    sources: [createDeviceEventSource(gateway)],
    logger: logger.child({ component: 'buttons' }),
    onPress: (binding, press) => pressButton(gateway, binding, press, logger),
  });
  let broker: EmbeddedBroker | null = null;
  let stopRequested = false;

  return {
    gateway,
    async start() {
      // libvips keeps recent results in a cache; a daemon that sees each page once gains nothing from it.
      sharp.cache(false);
      await mkdir(dataFolder, { recursive: true });
      await mkdir(storageFolder, { recursive: true });
      await settingsStore.load();
      await capabilitiesCache.load();
      await history.load();
      await deliveries.start();
      const brokerPolicy = embeddedBrokerPolicy({ mode: config.mqtt.embedded_broker, urlGiven: config.userKeys.has('mqtt.url'), username: config.mqtt.username });
      if (brokerPolicy.allowed) broker = await ensureBroker(config.mqtt.url, logger, { baseTopic });
      else logger.debug({ reason: brokerPolicy.reason }, 'no embedded MQTT broker');
      // A stop during the awaits above has already run: starting the parts now would outlive it.
      if (stopRequested) throw new ScanError('Cancelled', 'stopped while starting');
      gateway.start();
      discovery.start();
      health.start();
      connection.onConnect(() => void health.beat());
      scheduler.start();
      buttons.start();
      await bridge.start();
      await homeassistant.start();
      await scannerData.start();
      // Resolves on the first CONNACK: scanners are found and schedules run while the broker is still away.
      await connection.start();
      logger.info({ version, base_topic: baseTopic, storage: storageFolder, mdns: config.discovery.mdns }, 'scan2mqtt started');
    },
    async stop() {
      stopRequested = true;
      buttons.stop();
      await scheduler.stop();
      health.stop();
      await discovery.stop();
      await gateway.stop();
      await capabilitiesCache.flush();
      await deliveries.stop();
      await history.close();
      await scannerData.stop();
      await homeassistant.stop();
      await bridge.stop();
      await connection.stop();
      await broker?.stop();
      await tracer?.close();
    },
  };
}

/** Starts a schedule's scan and resolves when that job has finished, so the scheduler can refuse overlapping runs. */
function runScheduledScan(gateway: Gateway, schedule: ScheduleConfig): Promise<void> {
  return new Promise((resolveRun, rejectRun) => {
    let jobId: string | undefined;
    const early: JobEvent[] = [];
    const onJob = (scannerId: string, event: JobEvent) => {
      if (scannerId !== schedule.scanner) return;
      if (jobId === undefined) return void early.push(event);
      if (event.id === jobId && FINAL_JOB_STATES.includes(event.state)) {
        gateway.off('job', onJob);
        resolveRun();
      }
    };
    gateway.on('job', onJob);
    gateway.submitScan(schedule.scanner, schedule.profile ? { profile: schedule.profile } : {}, 'schedule', { schedule: schedule.name }).then(
      (queued) => {
        jobId = queued.id;
        for (const event of early.splice(0)) onJob(schedule.scanner, event);
      },
      (error: unknown) => {
        gateway.off('job', onJob);
        rejectRun(error);
      },
    );
  });
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

function jobBoundsFrom(config: AppConfig): JobBounds {
  const s = config.scan;
  return { maxPages: s.max_pages, maxJobBytes: s.max_job_mb * 1024 * 1024, minPageBytesPerSecond: s.min_page_bytes_per_s, pageGraceMs: s.page_grace_s * 1000 };
}

/** The delivery outbox as the gateway API shows it (snake_case, as published). */
function deliveryViews(queue: DeliveryQueue): NonNullable<GatewayDeps['deliveries']> {
  return {
    list: () =>
      queue.list().map((d) => ({
        id: d.id,
        target: d.target,
        state: d.state,
        job: d.jobId,
        scanner: d.scannerId,
        pages: d.pages,
        bytes: d.bytes,
        attempts: d.attempts,
        ...(d.lastError !== undefined ? { last_error: d.lastError } : {}),
        ...(d.nextAttemptAt !== undefined ? { next_attempt_at: d.nextAttemptAt } : {}),
        created_at: d.createdAt,
      })),
    drop: async (id) => {
      if (!queue.list().some((d) => d.id === id)) return false;
      await queue.drop(id);
      return true;
    },
    retry: async (id) =>
      (id === undefined ? await queue.retryAll() : [await queue.retry(id)]).map((r) => ({
        id: r.id,
        target: r.target,
        status: r.status,
        ...(r.error !== undefined ? { error: r.error } : {}),
        ...(r.nextAttemptAt !== undefined ? { next_attempt_at: r.nextAttemptAt } : {}),
      })),
  };
}

/** A bound scanner button was pressed: tell Home Assistant and MQTT, and scan with its profile. */
function pressButton(gateway: Gateway, binding: ButtonBinding, press: TriggerReport, logger: Logger): void {
  gateway.reportButton(binding.scanner, binding.button, press.action);
  gateway
    .submitScan(binding.scanner, binding.profile ? { profile: binding.profile } : {}, 'button')
    .catch((error: unknown) => logger.warn({ err: error, scanner: binding.scanner, button: binding.button }, 'button scan refused'));
}
