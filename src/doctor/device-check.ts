/**
 * Each hand-listed device (and saned host), as the gateway would drive it: its URL read by its protocol, its
 * capabilities read and parsed, its status read. A host entry (`sane://host` without a device)
 * is first listed by its protocol's own discovery, and each device found is checked.
 */
import { NO_TRACE } from '../core/trace.js';
import { ScanError } from '../core/errors.js';
import type { DeviceFinding } from '../core/device.js';
import type { DiscoveryReport } from '../core/discovery-source.js';
import type { Logger } from '../core/logger.js';
import type { ProtocolModule } from '../core/protocol-module.js';
import { scannerIdFrom } from '../core/device.js';
import { hostFromUrl, parseDeviceConfig, type DeviceConfigEntry } from '../discovery/static/devices.js';
import type { CheckResult } from './check-result.js';

/** How long one device may take to answer each question. */
export const DEVICE_TIMEOUT_MS = 10_000;

/** What is listed by hand: `devices` entries and `discovery.saned_hosts` URLs. */
export interface ListedDevices {
  entries: readonly DeviceConfigEntry[];
  hostUrls: readonly string[];
}

/** Checks every listed device and host; nothing when none are listed. */
export async function checkDevices({ entries, hostUrls }: ListedDevices, modules: readonly ProtocolModule[], logger: Logger, timeoutMs = DEVICE_TIMEOUT_MS): Promise<CheckResult[]> {
  if (entries.length === 0 && hostUrls.length === 0) return [];
  let parsed;
  try {
    parsed = parseDeviceConfig(entries, modules);
    parsed.hosts.push(...hostUrls.map((url) => hostFromUrl(url, modules)));
  } catch (error) {
    return [{ area: 'devices', subject: 'devices', status: 'problem', message: (error as Error).message, fix: 'correct the entry in devices (SCAN2MQTT_DEVICES) or discovery.saned_hosts' }];
  }
  const findings = [...parsed.findings];
  const out: CheckResult[] = [];
  for (const { protocol, host } of parsed.hosts) {
    const module = modules.find((m) => m.name === protocol);
    const listed = module ? await listHost(module, host, logger, timeoutMs) : [];
    if (listed.length === 0) {
      out.push({ area: 'devices', subject: `${host.name} (${host.url})`, status: 'problem', message: `the host lists no ${protocol} device`, fix: `check that the host is on, that its server runs and lets this machine in (saned: saned.conf), and the URL` });
    }
    findings.push(...listed);
  }
  for (const finding of findings) out.push(...(await checkFinding(finding, modules, logger, timeoutMs)));
  return out;
}

async function listHost(module: ProtocolModule, host: Parameters<NonNullable<ProtocolModule['discovery']>>[0]['hosts'][number], logger: Logger, timeoutMs: number): Promise<DeviceFinding[]> {
  const discovery = module.discovery?.({ hosts: [host], rescanIntervalMs: timeoutMs * 10, switches: {}, logger, tracer: NO_TRACE });
  const found: DeviceFinding[] = [];
  if (!discovery) return found;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    for (const source of discovery.sources) {
      void Promise.resolve(
        source.start(<DiscoveryReport>{
          found: (finding: DeviceFinding) => {
            found.push(finding);
            clearTimeout(timer);
            // Other devices of the same host arrive in the same answer: give them a moment.
            setTimeout(resolve, 100);
          },
          goodbye: () => {},
        }),
      );
    }
  });
  for (const source of discovery.sources) await source.stop();
  return found;
}

async function checkFinding(finding: DeviceFinding, modules: readonly ProtocolModule[], logger: Logger, timeoutMs: number): Promise<CheckResult[]> {
  const endpoint = finding.endpoints[0];
  const subject = `${finding.name} (${endpoint?.url ?? '?'})`;
  const result = (status: CheckResult['status'], message: string, fix?: string): CheckResult => ({ area: 'devices', subject, status, message, ...(fix ? { fix } : {}) });
  const module = modules.find((m) => m.name === finding.protocol);
  if (!module || !endpoint) return [result('problem', `no way to drive this ${finding.protocol} device`)];
  const record = { ...finding, id: scannerIdFrom(finding.friendlyName ?? finding.key), sources: new Set([finding.source]), present: true };
  let driver;
  try {
    driver = module.createDriver({ record, endpoint, logger: logger.child({ scanner: record.id }), tracer: NO_TRACE });
  } catch (error) {
    return [result('problem', (error as Error).message)];
  }
  try {
    const capabilities = await driver.getCapabilities(AbortSignal.timeout(timeoutMs));
    const sources = Object.keys(capabilities.sources);
    const model = [capabilities.manufacturer, capabilities.model].filter(Boolean).join(' ');
    const out = [result('ok', `${module.name} answers${model ? ` (${model})` : ''}; capabilities read: sources ${sources.join(', ') || 'none'}`)];
    if (sources.length === 0) out.push(result('problem', 'the device reports no scan source', 'the device may be a printer only, or need a firmware update'));
    const status = await driver.getStatus(AbortSignal.timeout(timeoutMs));
    out.push(result('ok', `status: ${status.state}${status.adf ? `, feeder ${status.adf}` : ''}`));
    return out;
  } catch (error) {
    return [result('problem', deviceErrorText(error, module.name), deviceFix(error, module.name))];
  } finally {
    await driver.close().catch(() => undefined);
  }
}

function deviceErrorText(error: unknown, protocol: string): string {
  if (error instanceof ScanError) {
    if (error.code === 'DeviceOffline') return `cannot reach the device: ${error.message}`;
    if (error.code === 'ProtocolError') return `the device answers, but not as ${protocol} expects: ${error.message}`;
    return `${error.code}: ${error.message}`;
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  return error instanceof Error ? error.message : String(error);
}

function deviceFix(error: unknown, protocol: string): string {
  const code = error instanceof ScanError ? error.code : undefined;
  if (code === 'ProtocolError') return protocol === 'escl' ? 'check the path of the URL (usually ends in /eSCL)' : `check that the URL is the device's ${protocol} service`;
  if (code === 'AccessDenied') return 'check the username and password of this entry in devices';
  return 'check that the device is switched on, on this network, and that the URL (host, port) is right';
}
