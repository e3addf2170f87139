/**
 * The eSCL server component (issue 12): every shared scanner on its own stable port with its
 * root at `/eSCL`, jobs through the gateway's own queue, adverts published while a shared scanner
 * is online and withdrawn when it goes offline, is unshared, or the gateway stops.
 */
import { networkInterfaces, hostname } from 'node:os';
import { join } from 'node:path';
import type { BlockList } from 'node:net';
import type { GatewayApi, ScannerView } from '../core/gateway-api.js';
import type { DeviceFinding } from '../core/device.js';
import type { JobEvent } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import { SERVED_MIME_TYPES, servedColorSpaces, servedInputSources } from '../protocols/escl/server-capabilities.js';
import type { EsclAdvert, EsclAdvertiser } from './advert.js';
import { LOOPBACK_CIDRS, allowListOf, hostSubnets, type BasicCredentials } from './access.js';
import { PortBook } from './port-book.js';
import { ICON_PATH, handleScannerRequest } from './scanner-routes.js';
import { listenScanner, type ScannerListener, type TlsPair } from './scanner-listener.js';
import type { EsclServerSettings } from './settings.js';
import { SharedScanner } from './shared-scanner.js';
import { loadTlsPair } from './tls-pair.js';

/** Prefix of a finding key that names a UUID (src/core/device.ts). */
const UUID_KEY = 'uuid:';

/** How often forgotten jobs are looked for. */
export const SWEEP_INTERVAL_MS = 1000;

/** What the eSCL server is built from. */
export interface EsclServerDeps {
  settings: EsclServerSettings;
  gateway: GatewayApi;
  dataFolder: string;
  logger: Logger;
  /** DNS-SD advertising (src/escl-server/dns-sd); without one, nothing is announced. */
  advertiser?: EsclAdvertiser;
}

interface Shared {
  scanner: SharedScanner;
  server?: ScannerListener;
  /** The advert last published, to publish again only on change. */
  advert?: string;
}

/** The running eSCL server. */
export class EsclServer {
  private readonly book: PortBook;
  private readonly shared = new Map<string, Shared>();
  private allow: BlockList | undefined;
  private tls: TlsPair | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly deps: EsclServerDeps) {
    this.book = new PortBook({ dataFolder: deps.dataFolder, firstPort: deps.settings.port, logger: deps.logger });
  }

  /** True when this scanner is one the settings share. */
  isShared(view: ScannerView): boolean {
    const { enabled, share } = this.deps.settings;
    if (!enabled) return false;
    return share === null ? view.protocol !== 'escl' : share.includes(view.id);
  }

  /** The URL a shared scanner is reached at, for `bridge/devices`; undefined when not shared. */
  sharedUrl(view: ScannerView): string | undefined {
    if (!this.isShared(view)) return undefined;
    const { port } = this.book.identityOf(view.id);
    return `${this.deps.settings.tls ? 'https' : 'http'}://${hostAddress()}:${port}/eSCL`;
  }

  /**
   * True for a discovery finding that is one of this gateway's own adverts (its key is a UUID
   * the port book gave a shared scanner): the root drops those, so the gateway never adopts
   * what it shares as a new eSCL scanner.
   */
  isOwnFinding(finding: Pick<DeviceFinding, 'key'>): boolean {
    if (!this.deps.settings.enabled || !finding.key.startsWith(UUID_KEY)) return false;
    return this.book.hasUuid(finding.key.slice(UUID_KEY.length));
  }

  async start(): Promise<void> {
    if (!this.deps.settings.enabled) return;
    this.allow = allowListOf(this.deps.settings.allow ?? [...LOOPBACK_CIDRS, ...hostSubnets()]);
    await this.book.load();
    if (this.deps.settings.tls) this.tls = await loadTlsPair(join(this.deps.dataFolder, 'escl-server-tls.json'), hostname());
    this.running = true;
    const { gateway } = this.deps;
    gateway.on('scannerAdded', this.onView);
    gateway.on('scannerChanged', this.onView);
    gateway.on('scannerRemoved', this.onRemoved);
    gateway.on('job', this.onJob);
    for (const view of gateway.listScanners()) this.onView(view);
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
    // After the first publish() calls: the advertiser probes names once, for what is shared now.
    this.deps.advertiser?.start?.();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    const { gateway } = this.deps;
    gateway.off('scannerAdded', this.onView);
    gateway.off('scannerChanged', this.onView);
    gateway.off('scannerRemoved', this.onRemoved);
    gateway.off('job', this.onJob);
    clearInterval(this.sweepTimer);
    for (const id of [...this.shared.keys()]) await this.unshare(id);
    await this.deps.advertiser?.stop();
    await this.book.flush();
  }

  private readonly onView = (view: ScannerView): void => {
    if (!this.running) return;
    if (!this.isShared(view)) {
      if (this.shared.has(view.id)) void this.unshare(view.id);
      return;
    }
    let entry = this.shared.get(view.id);
    if (!entry) {
      entry = { scanner: this.newScanner(view.id) };
      this.shared.set(view.id, entry);
      void this.listen(view.id, entry);
    }
    this.advertise(view, entry);
  };

  private readonly onRemoved = (view: ScannerView): void => {
    if (this.shared.has(view.id)) void this.unshare(view.id);
  };

  private readonly onJob = (scannerId: string, event: JobEvent): void => {
    this.shared.get(scannerId)?.scanner.onGatewayJob(event);
  };

  private newScanner(id: string): SharedScanner {
    return new SharedScanner({
      scannerId: id,
      gateway: this.deps.gateway,
      spoolFolder: join(this.deps.dataFolder, 'spool', 'escl', id),
      jobTimeoutMs: this.deps.settings.job_timeout_s * 1000,
      logger: this.deps.logger.child({ scanner: id }),
    });
  }

  private async listen(id: string, entry: Shared): Promise<void> {
    const identity = this.book.identityOf(id);
    const { username, password } = this.deps.settings;
    const credentials: BasicCredentials | undefined = username ? { username, password } : undefined;
    const view = this.deps.gateway.getScanner(id);
    const routes = {
      scanner: entry.scanner,
      gateway: this.deps.gateway,
      identity,
      allow: this.allow!,
      ...(credentials ? { credentials } : {}),
      sharedUrl: view ? (this.sharedUrl(view) ?? '') : '',
      logger: entry.scanner.deps.logger,
    };
    try {
      const server = await listenScanner(identity.port, this.tls, (req, res) => void handleScannerRequest(req, res, routes));
      if (this.shared.get(id) !== entry) return void (await server.close());
      entry.server = server;
      this.deps.logger.info({ scanner: id, port: identity.port, url: routes.sharedUrl }, 'eSCL server: scanner shared');
    } catch (err) {
      this.deps.logger.error({ err, scanner: id, port: identity.port }, 'eSCL server: cannot listen; scanner not shared');
    }
  }

  private advertise(view: ScannerView, entry: Shared): void {
    const advertiser = this.deps.advertiser;
    if (!advertiser) return;
    if (!view.online || !view.capabilities) {
      if (entry.advert !== undefined) advertiser.withdraw(view.id);
      entry.advert = undefined;
      return;
    }
    const identity = this.book.identityOf(view.id);
    const advert: EsclAdvert = {
      scannerId: view.id,
      name: view.name,
      uuid: identity.uuid,
      port: identity.port,
      secure: this.deps.settings.tls,
      makeAndModel: [view.manufacturer, view.model].filter(Boolean).join(' ') || view.name,
      documentFormats: SERVED_MIME_TYPES,
      colorSpaces: servedColorSpaces(view.capabilities),
      inputSources: servedInputSources(view.capabilities),
      duplex: view.capabilities.sources.adf_duplex !== undefined,
      adminPath: '/',
      iconPath: ICON_PATH,
      note: hostname(),
    };
    const text = JSON.stringify(advert);
    if (text === entry.advert) return;
    entry.advert = text;
    advertiser.publish(advert);
  }

  private async unshare(id: string): Promise<void> {
    const entry = this.shared.get(id);
    if (!entry) return;
    this.shared.delete(id);
    if (entry.advert !== undefined) this.deps.advertiser?.withdraw(id);
    await entry.scanner.close();
    if (entry.server) await entry.server.close();
  }

  private async sweep(): Promise<void> {
    for (const entry of this.shared.values()) await entry.scanner.sweep().catch((err: unknown) => this.deps.logger.warn({ err }, 'eSCL server: sweep failed'));
  }
}

/** The host's first non-loopback IPv4 address (what a client on the LAN dials), else localhost. */
function hostAddress(): string {
  const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  return addresses.find((a) => a.family === 'IPv4' && !a.internal)?.address ?? '127.0.0.1';
}
