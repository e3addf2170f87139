/**
 * The MQTT face of the gateway (CONTRACT.md topic table, zigbee2mqtt habits): retained
 * bridge and scanner topics republished on every connect, gateway events forwarded,
 * scan/cancel commands and bridge requests routed to the GatewayApi.
 */
import type { ScanCommand } from '../core/commands.js';
import type { ButtonPress, GatewayApi, ScannerStatePayload, ScannerView } from '../core/gateway-api.js';
import type { JobEvent } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import type { LastWill, MqttConnection } from './connection.js';
import {
  availabilityPayload,
  bridgeEventPayload,
  commandJobId,
  deviceListPayload,
  errorResponse,
  okResponse,
  oversizedPayloadError,
  parseRequestPayload,
  refusedJobEvent,
  type BridgeEventType,
} from './payloads.js';
import { handleBridgeRequest } from './requests.js';
import { parseScanPayload, scanCommandFor } from './scan-command.js';
import { createTopics, type Topics } from './topics.js';

/** The `bridge/state` payloads (zigbee2mqtt's non-legacy form). */
export const BRIDGE_ONLINE = { state: 'online' } as const;
export const BRIDGE_OFFLINE = { state: 'offline' } as const;

/** The last will whoever builds the MqttConnection must pass: retained offline on `bridge/state`, QoS 1. */
export function bridgeWill(baseTopic: string): LastWill {
  return { topic: createTopics(baseTopic).bridgeState, payload: JSON.stringify(BRIDGE_OFFLINE), retain: true, qos: 1 };
}

/** Collaborators of the bridge. */
export interface MqttBridgeDeps {
  connection: MqttConnection;
  gateway: GatewayApi;
  baseTopic: string;
  logger: Logger;
  /** Version and config summary without secrets, for `bridge/info` and the `config` request. */
  info: () => object;
  /** Handler of the `homeassistant/clear` request (the app wires the HA publisher's clearAll). */
  clearHomeAssistant?: () => Promise<void>;
}

/** The running bridge. */
export interface MqttBridge {
  start(): Promise<void>;
  /** Publishes every scanner's availability and `bridge/state` offline (a clean disconnect sends no will), and detaches. */
  stop(): Promise<void>;
}

type PublishOptions = { retain?: boolean; qos?: 0 | 1 };
const RETAINED: PublishOptions = { retain: true };
/** An empty retained payload deletes the retained message (MQTT 3.1.1 §3.3.1.3). */
const CLEAR_RETAINED = '';

/** Builds the bridge; nothing happens until `start()`. */
export function createMqttBridge(deps: MqttBridgeDeps): MqttBridge {
  return new Bridge(deps);
}

class Bridge implements MqttBridge {
  private readonly topics: Topics;
  private readonly log: Logger;
  /** Ids whose retained topics we published, so a removal missed while offline is cleared on reconnect. */
  private readonly publishedIds = new Set<string>();
  /** Last availability seen per scanner, to turn scannerChanged into device_online/offline events. */
  private readonly lastOnline = new Map<string, boolean>();
  private removeConnectListener: (() => void) | undefined;
  private readonly commandFilters: string[];

  constructor(private readonly deps: MqttBridgeDeps) {
    this.topics = createTopics(deps.baseTopic);
    this.log = deps.logger.child({ component: 'mqtt-bridge' });
    this.commandFilters = [this.topics.commandFilter('scan'), this.topics.commandFilter('cancel')];
  }

  async start(): Promise<void> {
    const { connection, gateway } = this.deps;
    for (const view of gateway.listScanners()) this.lastOnline.set(view.id, view.online);
    this.removeConnectListener = connection.onConnect(() => {
      this.publishAll().catch((error: unknown) => this.log.error({ err: error }, 'republish after connect failed'));
    });
    for (const filter of this.commandFilters) await connection.subscribe(filter, this.onCommand);
    await connection.subscribe(this.topics.bridgeRequestFilter, this.onRequest);
    this.attachGatewayEvents(gateway, 'on');
    if (connection.connected) await this.publishAll();
  }

  async stop(): Promise<void> {
    const { connection, gateway } = this.deps;
    this.attachGatewayEvents(gateway, 'off');
    this.removeConnectListener?.();
    for (const filter of this.commandFilters) await connection.unsubscribe(filter, this.onCommand).catch(() => undefined);
    await connection.unsubscribe(this.topics.bridgeRequestFilter, this.onRequest).catch(() => undefined);
    if (!connection.connected) return;
    // Nobody vouches for a scanner once the gateway is gone: its retained availability must not say online.
    await Promise.all([...this.publishedIds].map((id) => this.send(this.topics.availability(id), 'offline', { retain: true, qos: 1 })));
    await this.send(this.topics.bridgeState, BRIDGE_OFFLINE, { retain: true, qos: 1 });
  }

  private readonly onScannerAdded = (view: ScannerView) => this.onScannerEvent(view, 'device_added');
  private readonly onScannerChanged = (view: ScannerView) => {
    const before = this.lastOnline.get(view.id);
    const flipped = before !== undefined && before !== view.online;
    this.onScannerEvent(view, flipped ? (view.online ? 'device_online' : 'device_offline') : undefined);
  };
  private readonly onScannerRemoved = (view: ScannerView) => {
    this.lastOnline.delete(view.id);
    void this.publishDevices();
    void this.clearScanner(view.id);
    void this.send(this.topics.bridgeEvent, bridgeEventPayload('device_removed', view));
  };
  private readonly onStateChanged = (id: string, state: ScannerStatePayload) => void this.send(this.topics.scanner(id), state, RETAINED);
  private readonly onJob = (id: string, event: JobEvent) => void this.send(this.topics.job(id), event);
  private readonly onButton = (id: string, press: ButtonPress) => void this.send(this.topics.button(id), press);

  private attachGatewayEvents(gateway: GatewayApi, how: 'on' | 'off'): void {
    gateway[how]('scannerAdded', this.onScannerAdded);
    gateway[how]('scannerChanged', this.onScannerChanged);
    gateway[how]('scannerRemoved', this.onScannerRemoved);
    gateway[how]('stateChanged', this.onStateChanged);
    gateway[how]('job', this.onJob);
    gateway[how]('button', this.onButton);
  }

  private onScannerEvent(view: ScannerView, event: BridgeEventType | undefined): void {
    this.lastOnline.set(view.id, view.online);
    void this.publishDevices();
    void this.publishScanner(view);
    if (event) void this.send(this.topics.bridgeEvent, bridgeEventPayload(event, view));
  }

  /** Everything retained, as after a broker restart that lost it all. */
  private async publishAll(): Promise<void> {
    const { gateway, info } = this.deps;
    const views = gateway.listScanners();
    const current = new Set(views.map((v) => v.id));
    await Promise.all([
      this.send(this.topics.bridgeState, BRIDGE_ONLINE, { retain: true, qos: 1 }),
      this.send(this.topics.bridgeInfo, info(), RETAINED),
      this.publishDevices(),
      ...views.map((view) => this.publishScanner(view)),
      ...[...this.publishedIds].filter((id) => !current.has(id)).map((id) => this.clearScanner(id)),
    ]);
  }

  private publishDevices(): Promise<void> {
    return this.send(this.topics.bridgeDevices, deviceListPayload(this.deps.gateway.listScanners()), RETAINED);
  }

  private async publishScanner(view: ScannerView): Promise<void> {
    const state = this.deps.gateway.getState(view.id);
    this.publishedIds.add(view.id);
    await Promise.all([
      state ? this.send(this.topics.scanner(view.id), state, RETAINED) : undefined,
      this.send(this.topics.availability(view.id), availabilityPayload(view), RETAINED),
      view.capabilities ? this.send(this.topics.capabilities(view.id), view.capabilities, RETAINED) : undefined,
    ]);
  }

  private async clearScanner(id: string): Promise<void> {
    const topics = [this.topics.scanner(id), this.topics.availability(id), this.topics.capabilities(id)];
    await Promise.all(topics.map((topic) => this.send(topic, CLEAR_RETAINED, RETAINED)));
    if (this.deps.connection.connected) this.publishedIds.delete(id);
  }

  /** Publishing never throws into event handlers: while offline the reconnect republish covers retained state. */
  private async send(topic: string, payload: string | object, opts: PublishOptions = {}): Promise<void> {
    try {
      await this.deps.connection.publish(topic, payload, opts);
    } catch (error) {
      this.log.debug({ err: (error as Error).message, topic }, 'MQTT publish skipped');
    }
  }

  private readonly onCommand = (topic: string, payload: Buffer): void => {
    const parsed = this.topics.parseCommand(topic);
    if (!parsed) return;
    const { scannerId, command } = parsed;
    const tooLarge = oversizedPayloadError(payload);
    if (tooLarge) {
      this.log.warn({ topic, bytes: payload.length }, 'refused oversized command payload');
      // Never parsed, so no client job id is echoed. A cancel has no answer topic of its own.
      if (command === 'scan') void this.send(this.topics.job(scannerId), refusedJobEvent(scannerId, Buffer.alloc(0), tooLarge));
      return;
    }
    if (command === 'cancel') {
      const cancelled = this.deps.gateway.cancelJob(scannerId, commandJobId(payload));
      this.log.info({ scanner: scannerId, cancelled }, 'cancel command');
      return;
    }
    const refuse = (error: unknown) => {
      const event = refusedJobEvent(scannerId, payload, error);
      this.log.info({ scanner: scannerId, error: event.error }, 'scan command refused');
      return this.send(this.topics.job(scannerId), event);
    };
    let scan: ScanCommand;
    try {
      scan = scanCommandFor(this.deps.gateway, scannerId, () => parseScanPayload(payload));
    } catch (error) {
      void refuse(error);
      return;
    }
    // The gateway publishes job events itself; a refusal (offline, busy) may come seconds later.
    this.deps.gateway.submitScan(scannerId, scan, 'command').catch(refuse);
  };

  private readonly onRequest = async (topic: string, payload: Buffer): Promise<void> => {
    const action = this.topics.parseBridgeRequest(topic);
    if (action === undefined) return;
    let transaction: unknown;
    let response;
    try {
      const tooLarge = oversizedPayloadError(payload);
      if (tooLarge) throw tooLarge;
      const { transaction: echoed, ...request } = parseRequestPayload(payload);
      transaction = echoed;
      const { gateway, info, clearHomeAssistant } = this.deps;
      const data = await handleBridgeRequest(action, request, { gateway, info, ...(clearHomeAssistant ? { clearHomeAssistant } : {}) });
      response = okResponse(data, transaction);
    } catch (error) {
      response = errorResponse(error, transaction);
      this.log.info({ action, error: response.error }, 'bridge request failed');
    }
    await this.send(this.topics.bridgeResponse(action), response);
  };
}
