/**
 * `scan2mqtt doctor`: checks what the gateway needs from its surroundings (the broker, its
 * folders, multicast on each interface, each hand-listed device) without starting it, and
 * reports in plain words with the fix. main.ts prints the report and exits with its code.
 */
import { resolve } from 'node:path';
import type { AppConfig } from '../config/load.js';
import type { Logger } from '../core/logger.js';
import type { ProtocolModule } from '../core/protocol-module.js';
import { NO_TRACE } from '../core/trace.js';
import { embeddedBrokerPolicy } from '../mqtt/embedded-broker.js';
import { checkBroker } from './broker-check.js';
import { doctorExitCode, renderReport, type CheckResult } from './check-result.js';
import { checkDevices } from './device-check.js';
import { checkFolders } from './folder-check.js';
import { queryMdnsLinks } from './mdns-check.js';
import { mdnsResults, wsdResults } from './multicast-check.js';
import { probeWsd } from './wsd-check.js';

/** How long the doctor listens for multicast answers (mDNS responders wait up to 500 ms, WSD devices up to 500 ms, RFC 6762 §6 / WS-Discovery §3.1.3). */
export const MULTICAST_LISTEN_MS = 3_000;

/** What the doctor runs with. */
export interface DoctorDeps {
  config: AppConfig;
  modules: readonly ProtocolModule[];
  logger: Logger;
  /** Listening window for multicast answers. */
  listenMs?: number;
}

/** The doctor's findings, its printed report and exit code. */
export interface DoctorReport {
  results: CheckResult[];
  text: string;
  exitCode: number;
}

/** Runs every check: the broker, folders, multicast and devices at once (they share nothing). */
export async function runDoctor({ config, modules, logger, listenMs = MULTICAST_LISTEN_MS }: DoctorDeps): Promise<DoctorReport> {
  const serviceTypes = modules.flatMap((m) => m.discovery?.({ hosts: [], rescanIntervalMs: 1000, switches: {}, logger, tracer: NO_TRACE }).mdnsServices.map((s) => s.type) ?? []);
  const [broker, folders, mdns, wsd, devices] = await Promise.all([
    checkBroker(config.mqtt, embeddedBrokerPolicy({ mode: config.mqtt.embedded_broker, urlGiven: config.userKeys.has('mqtt.url'), username: config.mqtt.username }).allowed),
    checkFolders(
      [
        { role: 'storage folder', path: resolve(config.storage.folder), key: 'storage.folder (SCAN2MQTT_STORAGE_FOLDER)' },
        { role: 'data folder', path: resolve(config.data.folder), key: 'data.folder (SCAN2MQTT_DATA_FOLDER)' },
      ],
      config.storage.min_free_mb,
    ),
    config.discovery.mdns ? queryMdnsLinks(config.discovery.mdns_interface || undefined, serviceTypes, listenMs).then(mdnsResults) : Promise.resolve([]),
    config.discovery.wsd ? probeWsd(logger, listenMs).then(wsdResults) : Promise.resolve([]),
    checkDevices({ entries: config.devices, hostUrls: config.discovery.saned_hosts }, modules, logger),
  ]);
  const results = [...broker, ...folders, ...mdns, ...wsd, ...devices];
  return { results, text: renderReport(results), exitCode: doctorExitCode(results) };
}
