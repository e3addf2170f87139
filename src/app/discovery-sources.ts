/**
 * Builds the discovery sources from the configuration and the protocol modules (static
 * devices, each protocol's own sources, and mDNS browsing for the types the modules answer
 * to), all reporting to the registry; starts, stops and refreshes them together.
 */
import type { AppConfig } from '../config/load.js';
import type { DiscoveryReport, DiscoverySource } from '../core/discovery-source.js';
import { invalidRequest } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ProtocolModule } from '../core/protocol-module.js';
import type { ProtocolTracer } from '../core/trace.js';
import { createMdnsDiscovery } from '../discovery/mdns/mdns-discovery.js';
import { createStaticSource, hostFromUrl, parseDeviceConfig } from '../discovery/static/devices.js';

/** Every discovery source, as one part with start/stop. */
export interface DiscoverySources {
  /** Starts every source in order: static devices first, mDNS last. */
  start(): void;
  /** Stops them in reverse order. */
  stop(): Promise<void>;
  /** Asks every source to look again now (the `discover` request). */
  refresh(): Promise<void>;
}

/** What the sources are built from. */
export interface DiscoverySourcesDeps {
  config: Pick<AppConfig, 'devices' | 'discovery'>;
  modules: readonly ProtocolModule[];
  /** Where every source reports (the registry). */
  report: DiscoveryReport;
  logger: Logger;
  tracer: ProtocolTracer;
}

/** Builds the sources; throws InvalidRequest for a bad `devices` entry. Nothing runs until start(). */
export function createDiscoverySources(deps: DiscoverySourcesDeps): DiscoverySources {
  const { config, modules, logger } = deps;
  const rescanIntervalMs = config.discovery.rescan_interval_s * 1000;
  const listed = parseDeviceConfig(config.devices, modules);
  const hosts = [...listed.hosts, ...config.discovery.saned_hosts.map((url) => hostFromUrl(url, modules))];
  const sources: DiscoverySource[] = [createStaticSource(listed.findings)];
  const switches = Object.fromEntries(Object.entries(config.discovery).filter((e): e is [string, boolean] => typeof e[1] === 'boolean'));
  const mdnsServices = [];
  for (const module of modules) {
    const own = hosts.filter((h) => h.protocol === module.name).map((h) => h.host);
    if (!module.discovery) {
      if (own.length > 0) throw invalidRequest(`protocol ${module.name} cannot list the devices of ${own[0]?.url}`);
      continue;
    }
    const discovery = module.discovery({ hosts: own, rescanIntervalMs, switches, logger, tracer: deps.tracer });
    sources.push(...discovery.sources);
    mdnsServices.push(...discovery.mdnsServices);
  }
  if (config.discovery.mdns) {
    sources.push(
      createMdnsDiscovery({
        logger: logger.child({ component: 'mdns' }),
        services: mdnsServices,
        queryIntervalMs: rescanIntervalMs,
        ...(config.discovery.mdns_interface ? { restrictTo: config.discovery.mdns_interface } : {}),
      }),
    );
  }
  return {
    start() {
      for (const source of sources) source.start(deps.report);
      for (const module of modules) {
        if (module.notReady && listed.findings.some((f) => f.protocol === module.name)) logger.warn(module.notReady);
      }
    },
    async stop() {
      for (const source of [...sources].reverse()) await source.stop();
    },
    async refresh() {
      await Promise.all(sources.map((source) => source.refresh()));
    },
  };
}
