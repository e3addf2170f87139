/**
 * Keeps Home Assistant's view of the gateway on the broker: device-based discovery for the
 * bridge and every scanner, and button events. The entities read the gateway's own topics
 * (state, preferences, last_scan, preview: src/mqtt/), which work with discovery off.
 * The only file in this folder that does I/O.
 */
import type { ButtonPress, GatewayApi, GatewayEvents, ScannerView } from '../core/gateway-api.js';
import type { Logger } from '../core/logger.js';
import { buildBridgeDiscovery, buildScannerDiscovery, type DiscoveryContext } from './discovery-payloads.js';
import { createDiscoveryLedger, isOwnDiscovery } from './discovery-ledger.js';
import type { DeviceDiscoveryPayload } from './components.js';
import type { MqttLink } from './mqtt-link.js';
import { createNaming } from './naming.js';
import { buttonEventTypes } from './scanner-components.js';

/** HA asks for a random delay before answering its birth message, so restarts do not flood the broker. */
export const BIRTH_RESEND_DELAY_MS = { min: 1_000, max: 5_000 } as const;

/** How long clearAll waits for the broker to replay retained discovery from earlier runs. */
export const SWEEP_TIMEOUT_MS = 3_000;

/** Collaborators and settings of the publisher. */
export interface HomeAssistantPublisherDeps {
  link: MqttLink;
  gateway: GatewayApi;
  baseTopic: string;
  discoveryPrefix: string;
  /** HA's birth/last-will topic, usually `homeassistant/status`. */
  statusTopic: string;
  instanceId?: string;
  version: string;
  logger: Logger;
  enabled: boolean;
  /** Project URL reported as the discovery origin's `url`. */
  supportUrl?: string;
  /** The virtual buttons bound for a scanner (`adf_loaded`): it gets the event entity with them as event types. */
  virtualButtons?: (view: ScannerView) => readonly string[];
  /** Overrides BIRTH_RESEND_DELAY_MS (tests use a short one). */
  birthResendDelayMs?: { min: number; max: number };
}

/** The running publisher. */
export interface HomeAssistantPublisher {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Empties every discovery topic this instance owns (published now, or found retained from earlier runs). */
  clearAll(): Promise<void>;
  /**
   * Runs a broker write after every discovery write queued so far, so the topics an entity
   * reads (src/mqtt/scanner-data.ts) follow its discovery; failures of `op` are logged.
   */
  sequence(what: string, op: () => Promise<void>): Promise<void>;
}

/** Builds the publisher; nothing happens until start(). */
export function createHomeAssistantPublisher(deps: HomeAssistantPublisherDeps): HomeAssistantPublisher {
  const { link, gateway } = deps;
  const log = deps.logger.child({ component: 'homeassistant' });
  const naming = createNaming(deps);
  const ledger = createDiscoveryLedger();
  const learnedButtons = new Map<string, string[]>();
  /** Retained topics still to be emptied; a removal during a broker outage is retried on reconnect. */
  const pendingClears = new Set<string>();
  const delay = deps.birthResendDelayMs ?? BIRTH_RESEND_DELAY_MS;
  let running = false;
  let hooked = false;
  let birthTimer: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();

  /** Every broker write goes through one chain, so a removal can never overtake an earlier add. */
  const enqueue = (what: string, op: () => Promise<void>): Promise<void> => {
    queue = queue.then(op).catch((err: unknown) => log.warn({ err }, `home assistant: ${what} failed`));
    return queue;
  };
  const clearRetained = (topic: string) => link.publish(topic, '', { retain: true, qos: 1 });
  const context = (): DiscoveryContext => ({
    naming,
    version: deps.version,
    supportUrl: deps.supportUrl,
    profiles: gateway.listProfiles(),
  });

  async function publishDiscovery(topic: string, payload: DeviceDiscoveryPayload, force: boolean) {
    for (const message of ledger.plan(topic, payload, force)) await link.publish(topic, message, { retain: true, qos: 1 });
    ledger.record(topic, payload);
  }

  async function publishScanner(view: ScannerView, force: boolean) {
    // Not before its capabilities are known: a payload without selects and feeder entities,
    // replaced a moment later, makes HA drop and re-create those entities.
    if (!view.capabilities) return;
    for (const topic of ownedTopics(view.id)) pendingClears.delete(topic);
    const payload = buildScannerDiscovery(view, context(), { learnedButtons: learnedButtons.get(view.id), virtualButtons: deps.virtualButtons?.(view) });
    await publishDiscovery(naming.scannerDiscoveryTopic(view.id), payload, force);
  }

  async function publishAll(force: boolean) {
    await flushPendingClears();
    await publishDiscovery(naming.bridgeDiscoveryTopic, buildBridgeDiscovery(context()), force);
    for (const view of gateway.listScanners()) {
      try {
        await publishScanner(view, force);
      } catch (err) {
        // One scanner's trouble must not keep the others out of HA.
        log.warn({ err, scanner: view.id }, 'home assistant: discovery of one scanner failed');
      }
    }
  }

  /** Every retained topic the HA layer keeps for one scanner. */
  function ownedTopics(scannerId: string): string[] {
    return [naming.scannerDiscoveryTopic(scannerId)];
  }

  async function flushPendingClears() {
    for (const topic of [...pendingClears]) {
      await clearRetained(topic);
      pendingClears.delete(topic);
    }
  }

  async function removeScanner(view: ScannerView) {
    ledger.forget(naming.scannerDiscoveryTopic(view.id));
    learnedButtons.delete(view.id);
    for (const topic of ownedTopics(view.id)) pendingClears.add(topic);
    await flushPendingClears();
  }

  const listeners: Partial<GatewayEvents> = {
    scannerAdded: (view) => void enqueue(`discovery of ${view.id}`, () => publishScanner(view, false)),
    scannerChanged: (view) => void enqueue(`discovery of ${view.id}`, () => publishScanner(view, false)),
    scannerRemoved: (view) => void enqueue(`removal of ${view.id}`, () => removeScanner(view)),
    button: (scannerId, press) => void enqueue(`button of ${scannerId}`, () => publishButton(scannerId, press)),
  };

  async function publishButton(scannerId: string, press: ButtonPress) {
    const { button, ...rest } = press;
    const view = gateway.getScanner(scannerId);
    const known = view && buttonEventTypes(view, [...(deps.virtualButtons?.(view) ?? []), ...(learnedButtons.get(scannerId) ?? [])]);
    if (view && !known?.includes(button)) {
      // HA rejects event types it was not told about: learn the button, then announce it.
      learnedButtons.set(scannerId, [...(learnedButtons.get(scannerId) ?? []), button]);
      await publishScanner(view, false);
    }
    // The rest (action, result, job, reason) become the HA event's attributes.
    const payload = JSON.stringify({ event_type: button, ...rest });
    await link.publish(naming.scannerTopics(scannerId).buttonEvent, payload, { retain: false, qos: 0 });
  }

  function onHomeAssistantStatus(_topic: string, payload: Buffer) {
    if (!running || payload.toString('utf8').trim() !== 'online' || birthTimer) return;
    const wait = delay.min + Math.random() * Math.max(0, delay.max - delay.min);
    birthTimer = setTimeout(() => {
      birthTimer = undefined;
      if (running) void enqueue('discovery after HA restart', () => publishAll(true));
    }, wait);
  }

  /** Retained discovery topics of ours seen on the broker, kept live once clearAll first asked. */
  const sweep = { subscribed: false, found: new Set<string>(), waiters: new Map<string, () => void>() };

  async function sweepBrokerForOwnDiscovery(): Promise<string[]> {
    const prefix = deps.discoveryPrefix.replace(/\/+$/, '');
    const barrierTopic = `${deps.baseTopic}/bridge/ha_sweep/${naming.uniquePrefix}`;
    if (!sweep.subscribed) {
      sweep.subscribed = true;
      await link.subscribe(`${prefix}/device/+/config`, (topic, payload) => {
        if (payload.length === 0) sweep.found.delete(topic);
        else if (isOwnDiscovery(naming, prefix, topic, payload)) sweep.found.add(topic);
      });
      await link.subscribe(barrierTopic, (_topic, payload) => sweep.waiters.get(payload.toString('utf8'))?.());
    }
    // The broker replays retained messages on subscribe, before anything published after it:
    // once our own marker comes back, every old discovery payload has been seen.
    const nonce = `${Date.now()}-${Math.random()}`;
    let timer: NodeJS.Timeout | undefined;
    const replayed = new Promise<void>((resolve) => {
      sweep.waiters.set(nonce, resolve);
      timer = setTimeout(resolve, SWEEP_TIMEOUT_MS);
    });
    await link.publish(barrierTopic, nonce, { retain: false, qos: 1 });
    await replayed;
    clearTimeout(timer);
    sweep.waiters.delete(nonce);
    return [...sweep.found];
  }

  return {
    async start() {
      if (!deps.enabled) {
        log.info('Home Assistant discovery disabled');
        return;
      }
      running = true;
      for (const [event, listener] of Object.entries(listeners)) gateway.on(event as keyof GatewayEvents, listener as never);
      if (!hooked) {
        // MqttLink cannot unsubscribe: hook once, and let `running` gate the handlers.
        hooked = true;
        // A reconnect may land on a broker that lost its retained messages: resend everything.
        link.onConnect((isReconnect) => {
          if (running) void enqueue('discovery after connect', () => publishAll(isReconnect));
        });
        await link.subscribe(deps.statusTopic, onHomeAssistantStatus);
      }
      // Not connected yet: the connect hook above publishes everything when the broker answers.
      if (link.connected !== false) await enqueue('initial discovery', () => publishAll(false));
    },
    async stop() {
      running = false;
      clearTimeout(birthTimer);
      birthTimer = undefined;
      for (const [event, listener] of Object.entries(listeners)) gateway.off(event as keyof GatewayEvents, listener as never);
      await queue;
    },
    async clearAll() {
      await enqueue('clearing discovery', async () => {
        const known = new Set([naming.bridgeDiscoveryTopic, ...ledger.topics()]);
        for (const view of gateway.listScanners()) known.add(naming.scannerDiscoveryTopic(view.id));
        for (const topic of await sweepBrokerForOwnDiscovery()) known.add(topic);
        for (const topic of known) {
          await clearRetained(topic);
          ledger.forget(topic);
        }
        log.info({ topics: known.size }, 'Home Assistant discovery cleared');
      });
    },
    sequence: enqueue,
  };
}
