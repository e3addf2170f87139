/** The WSD (WS-Scan) implementation of ScannerDriver, and a one-shot metadata probe. */
import type { ScannerCapabilities } from '../../core/capabilities.js';
import type { DeviceCredentials } from '../../core/device.js';
import type { Logger } from '../../core/logger.js';
import type { ScannedPage, ScannerDriver } from '../../core/scanner.js';
import type { ScanSettings } from '../../core/settings.js';
import type { ScannerStatus } from '../../core/status.js';
import { NO_TRACE, type ProtocolTracer } from '../../core/trace.js';
import { buildGetScannerElements, capabilitiesFromNative, parseScannerElements, readScannerConfiguration, readScannerDescription, type WsdScannerDescription } from './capabilities.js';
import { WsdClient } from './client.js';
import { identityFrom, uuidFromAddress, withIdentity, type WsdIdentity } from './identity.js';
import { buildGetMetadata, buildTransferGet, parseMetadataResponse, type WsdDeviceMetadata } from './metadata.js';
import type { WsdNativeCaps } from './native.js';
import type { PanelJobIdentity } from './scan-ops.js';
import type { TicketQuirks } from './scan-ticket.js';
import { runWsdJob } from './scan-job.js';
import { readScannerStatus, type WsdStatus } from './status.js';
import { DEFAULT_WSD_TIMING, type WsdTiming } from './timing.js';
import type { DeviceEvent, DeviceEventOptions } from '../../core/device-events.js';
import { EventSessions, keepOnSuccess } from '../../core/driver-sessions.js';
import { localAddressFor, sharedEventEndpoints, type WsdEventEndpoints } from './event-endpoint.js';
import { panelJobOf, wsdDeviceEvents, type WsdEventsDeps } from './device-events.js';
import { DEFAULT_SUBSCRIPTION_TIMING, type WsdSubscriptionTiming } from './subscription.js';

/** How to reach and talk to one WSD scanner. */
export interface WsdDriverOptions {
  /** The scanner service URL (the Hosted entry with ScannerServiceType), e.g. `http://ip:5358/WSDScanner`. */
  serviceUrl: string;
  /**
   * Where to read device metadata (an XAddr) and the device's endpoint address (`urn:uuid:…`),
   * for manufacturer, model, serial and UUID. Without it, identity comes from `identity` only.
   */
  metadata?: { xaddr: string; endpointAddress: string };
  /** Identity already known (from discovery); wins over nothing, loses to nothing it lacks. */
  identity?: WsdIdentity;
  /**
   * Without `metadata`: ask the scan service for its own metadata (GetMetadata) to learn the
   * hosting device's UUID, as a hand-listed URL carries none. A device that does not answer keeps its URL identity.
   */
  askServiceForHost?: boolean;
  credentials?: DeviceCredentials;
  insecureTls?: boolean;
  quirks?: TicketQuirks;
  logger: Logger;
  tracer?: ProtocolTracer;
  /** Scanner id or host:port, for logs and traces. */
  deviceLabel: string;
  timing?: Partial<WsdTiming>;
  /** How panel and status events are received (WS-Eventing). */
  events?: WsdEventOptions;
}

/** How a driver receives events; all optional. */
export interface WsdEventOptions {
  /** Port of the event endpoint; 0 (default) takes a free one. */
  port?: number;
  timing?: Partial<WsdSubscriptionTiming>;
  /** Endpoints to use (default: the process-wide ones). */
  endpoints?: WsdEventEndpoints;
}

/** What the driver learnt from GetScannerElements. */
export interface WsdCapabilities {
  caps: ScannerCapabilities;
  native: WsdNativeCaps;
  description: WsdScannerDescription;
}

/**
 * The WSD driver: a ScannerDriver whose events() keeps WS-Eventing subscriptions (panel presses,
 * status), and whose scan() runs a panel-started job when given the press's deviceJob.
 */
export interface WsdDriver extends ScannerDriver {
  getWsdCapabilities(signal?: AbortSignal): Promise<WsdCapabilities>;
  /** Runs a job the device's panel announced, with its ScanIdentifier and the destination's token. */
  scanFromPanel(settings: ScanSettings, panel: PanelJobIdentity, signal: AbortSignal): AsyncIterable<ScannedPage>;
  events(signal: AbortSignal, options: DeviceEventOptions): AsyncIterable<DeviceEvent>;
}

/** Creates a driver for one WSD scanner; no network traffic happens until a method is called. */
export function createWsdDriver(options: WsdDriverOptions): WsdDriver {
  const timing: WsdTiming = { ...DEFAULT_WSD_TIMING, ...options.timing };
  const logger = options.logger.child({ protocol: 'wsd', device: options.deviceLabel });
  const client = createClient(options, timing, logger);
  const { serviceUrl } = options;

  const readCapabilities = async (signal?: AbortSignal): Promise<WsdCapabilities> => {
    const request = buildGetScannerElements(serviceUrl, ['ScannerDescription', 'ScannerConfiguration']);
    const elements = parseScannerElements(await client.call(serviceUrl, request, 'GetScannerElements', signal ? { signal } : {}));
    const native = readScannerConfiguration(elements.get('ScannerConfiguration'));
    const description = readScannerDescription(elements.get('ScannerDescription'));
    let identity: WsdIdentity = { ...options.identity };
    if (options.metadata) {
      const metadata = await fetchWsdMetadata(client, options.metadata.xaddr, options.metadata.endpointAddress, signal);
      identity = { ...identity, ...identityFrom(metadata, options.metadata.endpointAddress) };
    } else if (options.askServiceForHost && identity.uuid === undefined) {
      const uuid = await hostUuidOf(client, serviceUrl, logger, signal);
      if (uuid) identity = { ...identity, uuid };
    }
    // Panel presses and status arrive over WS-Eventing (events()).
    const caps: ScannerCapabilities = { ...withIdentity(capabilitiesFromNative(native), identity), events: ['button', 'status'] };
    return { caps, native, description };
  };
  const getWsdCapabilities = keepOnSuccess(readCapabilities);
  const readStatus = async (signal?: AbortSignal): Promise<WsdStatus> => {
    const request = buildGetScannerElements(serviceUrl, ['ScannerStatus']);
    const elements = parseScannerElements(await client.call(serviceUrl, request, 'GetScannerElements', signal ? { signal } : {}));
    return readScannerStatus(elements.get('ScannerStatus'));
  };
  const jobDeps = { client, serviceUrl, timing, logger, quirks: options.quirks ?? {}, readStatus };
  const run = (settings: ScanSettings, signal: AbortSignal, panel?: PanelJobIdentity): AsyncIterable<ScannedPage> =>
    (async function* () {
      const { native } = await getWsdCapabilities(signal);
      yield* runWsdJob(jobDeps, settings, native, signal, panel);
    })();
  const sessions = new EventSessions();
  const eventsDeps: WsdEventsDeps = {
    client,
    serviceUrl,
    logger,
    endpoints: options.events?.endpoints ?? sharedEventEndpoints(options.logger),
    port: options.events?.port ?? 0,
    localAddress: () => localAddressFor(new URL(serviceUrl).hostname),
    timing: { ...DEFAULT_SUBSCRIPTION_TIMING, ...options.events?.timing },
    readStatus,
  };

  return {
    protocol: 'wsd',
    getWsdCapabilities,
    async getCapabilities(signal?: AbortSignal): Promise<ScannerCapabilities> {
      return (await getWsdCapabilities(signal)).caps;
    },
    async getStatus(signal?: AbortSignal): Promise<ScannerStatus> {
      return (await readStatus(signal)).status;
    },
    scan: (settings, signal, deviceJob) => {
      const fromPanel = panelJobOf(deviceJob);
      // The panel's own choice of source (Samsung sends InputSource) wins over the bound profile's.
      const chosen = fromPanel?.inputSource ? { ...settings, source: fromPanel.inputSource } : settings;
      return run(chosen, signal, fromPanel?.panel);
    },
    scanFromPanel: (settings, panel, signal) => run(settings, signal, panel),
    eventsDuringJobs: true,
    events(signal, eventOptions) {
      return sessions.run(signal, (linked) => wsdDeviceEvents(eventsDeps, linked, eventOptions));
    },
    async close() {
      // Subscriptions end (Unsubscribe) before the sockets they need are released.
      await sessions.closeAll(eventsDeps.timing.unsubscribeTimeoutMs * 2);
      await client.close();
    },
  };
}

/** Reads a device's metadata with WS-Transfer Get (sent to an XAddr, `wsa:To` = its endpoint address). */
export async function fetchWsdMetadata(client: WsdClient, xaddr: string, endpointAddress: string, signal?: AbortSignal): Promise<WsdDeviceMetadata> {
  return parseMetadataResponse(await client.call(xaddr, buildTransferGet(endpointAddress), 'Transfer Get', signal ? { signal } : {}));
}

/** The UUID of the device hosting a scan service (its GetMetadata Relationship), or undefined when it does not say. */
async function hostUuidOf(client: WsdClient, serviceUrl: string, logger: Logger, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const metadata = parseMetadataResponse(await client.call(serviceUrl, buildGetMetadata(serviceUrl), 'GetMetadata', signal ? { signal } : {}), 'GetMetadata');
    return uuidFromAddress(metadata.hostAddress);
  } catch (error) {
    if (signal?.aborted) throw error;
    logger.debug({ err: error }, 'the scan service did not name its device (GetMetadata); it stays known by its URL');
    return undefined;
  }
}

/** Reads one device's metadata (for discovery and hand-listed devices) and releases the connection. */
export async function probeWsdMetadata(
  xaddr: string,
  endpointAddress: string,
  opts: { logger: Logger; deviceLabel: string; credentials?: DeviceCredentials; tracer?: ProtocolTracer; timing?: Partial<WsdTiming> },
  signal?: AbortSignal,
): Promise<WsdDeviceMetadata> {
  const timing: WsdTiming = { ...DEFAULT_WSD_TIMING, ...opts.timing };
  const client = createClient({ ...opts, serviceUrl: xaddr }, timing, opts.logger.child({ protocol: 'wsd', device: opts.deviceLabel }));
  try {
    return await fetchWsdMetadata(client, xaddr, endpointAddress, signal);
  } finally {
    await client.close();
  }
}

function createClient(options: Pick<WsdDriverOptions, 'credentials' | 'insecureTls' | 'tracer' | 'deviceLabel'> & { serviceUrl: string }, timing: WsdTiming, logger: Logger): WsdClient {
  return new WsdClient({
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.insecureTls !== undefined ? { insecureTls: options.insecureTls } : {}),
    logger,
    tracer: options.tracer ?? NO_TRACE,
    deviceLabel: options.deviceLabel,
    connectTimeoutMs: timing.connectTimeoutMs,
    headersTimeoutMs: timing.headersTimeoutMs,
    bodyTimeoutMs: timing.bodyIdleTimeoutMs,
  });
}
