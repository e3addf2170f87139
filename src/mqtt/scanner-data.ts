/**
 * The per-scanner data topics that are not Home Assistant's own, though its selects, sensors
 * and image entity read them: `<id>/preferences` (retained, changed by `<id>/set/<key>`),
 * `<id>/last_scan` (retained) and `<id>/preview` (retained JPEG). They work with HA
 * discovery off; the HA layer only points its entities at them.
 */
import { SNIFF_BYTES, sniffPageType } from '../core/page-format.js';
import type { GatewayApi, GatewayEvents, ScannerView } from '../core/gateway-api.js';
import type { JobEvent } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import { lastScanSummaryOf } from './last-scan.js';
import { parsePreferenceChange, parsePreferenceTopic, type PreferenceChange } from './preference-command.js';
import { createTopics } from './topics.js';

/** Largest preview accepted; the gateway sends a small thumbnail, anything bigger is a bug. */
export const MAX_PREVIEW_BYTES = 4 * 1024 * 1024;

/** The slice of an MQTT connection this publisher uses (src/mqtt/connection.ts has it). */
export interface ScannerDataLink {
  publish(topic: string, payload: string | Buffer | object, opts?: { retain?: boolean; qos?: 0 | 1 }): Promise<void>;
  subscribe(filter: string, handler: (topic: string, payload: Buffer) => void): Promise<void>;
  onConnect(cb: (isReconnect: boolean) => void): unknown;
  /** False while the broker is unreachable; undefined when the link cannot tell. */
  readonly connected?: boolean;
}

/** Runs one broker write after every write queued before it. */
export type WriteSequence = (what: string, op: () => Promise<void>) => Promise<void>;

/** Collaborators of the publisher. */
export interface ScannerDataPublisherDeps {
  link: ScannerDataLink;
  gateway: GatewayApi;
  baseTopic: string;
  logger: Logger;
  /**
   * The write order to join, e.g. the HA publisher's: a scanner's data topics then follow its
   * discovery payload, as they always have. Without it the publisher keeps its own order.
   */
  sequence?: WriteSequence;
}

/** The running publisher. */
export interface ScannerDataPublisher {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Builds the publisher; nothing happens until start(). */
export function createScannerDataPublisher(deps: ScannerDataPublisherDeps): ScannerDataPublisher {
  const { link, gateway } = deps;
  const log = deps.logger.child({ component: 'scanner-data' });
  const topics = createTopics(deps.baseTopic);
  /** The last preview of each scanner: republished after a reconnect, or once the broker is back. */
  const lastPreviews = new Map<string, Buffer>();
  /** Retained topics still to be emptied; a removal during a broker outage is retried on reconnect. */
  const pendingClears = new Set<string>();
  let running = false;
  let hooked = false;
  let ownChain: Promise<void> = Promise.resolve();
  let lastWrite: Promise<void> = Promise.resolve();

  const chain: WriteSequence =
    deps.sequence ??
    ((_what, op) => {
      ownChain = ownChain.then(op);
      return ownChain;
    });
  /** Every write goes through one order, so a removal never overtakes an earlier add; failures are logged, never thrown. */
  const enqueue = (what: string, op: () => Promise<void>): Promise<void> => {
    lastWrite = chain(what, () => op().catch((err: unknown) => log.warn({ err }, `scanner data: ${what} failed`)));
    return lastWrite;
  };
  const publishJson = (topic: string, value: unknown) => link.publish(topic, JSON.stringify(value), { retain: true, qos: 1 });
  const ownedTopics = (id: string) => [topics.preferences(id), topics.lastScan(id), topics.preview(id)];

  async function publishPreferences(view: ScannerView) {
    // What a `{}` scan uses is only known with the capabilities.
    if (!view.capabilities) return;
    for (const topic of ownedTopics(view.id)) pendingClears.delete(topic);
    await publishJson(topics.preferences(view.id), gateway.effectivePreferences(view.id));
  }

  async function publishLastScan(scannerId: string, job: JobEvent | null | undefined) {
    const summary = lastScanSummaryOf(job);
    if (summary) await publishJson(topics.lastScan(scannerId), summary);
  }

  const publishRetainedPreview = (scannerId: string, jpeg: Buffer) => link.publish(topics.preview(scannerId), jpeg, { retain: true, qos: 0 });

  async function publishPreview(scannerId: string, jpeg: Buffer) {
    if (jpeg.length > MAX_PREVIEW_BYTES || sniffPageType(jpeg.subarray(0, SNIFF_BYTES)) !== 'jpeg') {
      log.warn({ scanner: scannerId, bytes: jpeg.length }, 'preview is not a JPEG of acceptable size; not published');
      return;
    }
    // A scanner removed meanwhile keeps no preview (its topics are being emptied).
    if (!gateway.getScanner(scannerId)) return;
    lastPreviews.set(scannerId, jpeg);
    // While the broker is away the connect hook's publishAll sends it.
    if (link.connected !== false) await publishRetainedPreview(scannerId, jpeg);
  }

  async function flushPendingClears() {
    for (const topic of [...pendingClears]) {
      await link.publish(topic, '', { retain: true, qos: 1 });
      pendingClears.delete(topic);
    }
  }

  async function removeScanner(view: ScannerView) {
    lastPreviews.delete(view.id);
    for (const topic of ownedTopics(view.id)) pendingClears.add(topic);
    await flushPendingClears();
  }

  async function publishAll() {
    await flushPendingClears();
    for (const view of gateway.listScanners()) {
      try {
        await publishPreferences(view);
        await publishLastScan(view.id, gateway.getState(view.id)?.job);
        const preview = lastPreviews.get(view.id);
        if (preview) await publishRetainedPreview(view.id, preview);
      } catch (err) {
        // One scanner's trouble must not keep the others' topics off the broker.
        log.warn({ err, scanner: view.id }, 'scanner data: publishing one scanner failed');
      }
    }
  }

  function onSetPreference(topic: string, payload: Buffer) {
    if (!running) return;
    const target = parsePreferenceTopic(deps.baseTopic, topic);
    if (!target || !gateway.getScanner(target.scannerId)) {
      log.debug({ topic }, 'ignoring set command for an unknown scanner or key');
      return;
    }
    try {
      applyPreference(gateway, parsePreferenceChange(target, payload));
    } catch (err) {
      log.warn({ err, scanner: target.scannerId, key: target.key }, 'preference not changed');
    }
    // Published either way: a refused value must snap a select back to the one a scan uses.
    void enqueue(`preferences of ${target.scannerId}`, () => publishJson(topics.preferences(target.scannerId), gateway.effectivePreferences(target.scannerId)));
  }

  const listeners: Partial<GatewayEvents> = {
    scannerAdded: (view) => void enqueue(`preferences of ${view.id}`, () => publishPreferences(view)),
    scannerChanged: (view) => void enqueue(`preferences of ${view.id}`, () => publishPreferences(view)),
    scannerRemoved: (view) => void enqueue(`removal of ${view.id}`, () => removeScanner(view)),
    job: (scannerId, event) => {
      if (event.state === 'done') void enqueue(`last scan of ${scannerId}`, () => publishLastScan(scannerId, event));
    },
    preview: (scannerId, jpeg) => void enqueue(`preview of ${scannerId}`, () => publishPreview(scannerId, jpeg)),
  };

  return {
    async start() {
      running = true;
      for (const [event, listener] of Object.entries(listeners)) gateway.on(event as keyof GatewayEvents, listener as never);
      if (!hooked) {
        // The link cannot unsubscribe: hook once, and let `running` gate the handlers.
        hooked = true;
        // A reconnect may land on a broker that lost its retained messages: resend everything.
        link.onConnect(() => {
          if (running) void enqueue('scanner data after connect', publishAll);
        });
        await link.subscribe(topics.setFilter, onSetPreference);
      }
      if (link.connected !== false) await enqueue('initial scanner data', publishAll);
    },
    async stop() {
      running = false;
      for (const [event, listener] of Object.entries(listeners)) gateway.off(event as keyof GatewayEvents, listener as never);
      await lastWrite;
    },
  };
}

/** Calls setPreference with the key and value types matched (a union cannot pick the generic). */
function applyPreference(gateway: GatewayApi, change: PreferenceChange): void {
  switch (change.key) {
    case 'source':
      return void gateway.setPreference(change.scannerId, 'source', change.value);
    case 'resolution':
      return void gateway.setPreference(change.scannerId, 'resolution', change.value);
    case 'color_mode':
      return void gateway.setPreference(change.scannerId, 'color_mode', change.value);
    case 'format':
      return void gateway.setPreference(change.scannerId, 'format', change.value);
    case 'profile':
      return void gateway.setPreference(change.scannerId, 'profile', change.value);
  }
}
