/**
 * The discovery sources as the composition root builds them from the configuration and the
 * protocol modules: every source reports to the registry, starts and stops with the others,
 * and refreshes on "discover now"; a protocol added to the table brings its sources along.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDiscoverySources, type DiscoverySources } from '../../src/app/discovery-sources.js';
import { loadConfig } from '../../src/config/load.js';
import type { DiscoveryReport, DiscoverySource } from '../../src/core/discovery-source.js';
import type { ListedHost, ProtocolModule } from '../../src/core/protocol-module.js';
import { NO_TRACE } from '../../src/core/trace.js';
import { DeviceRegistry } from '../../src/discovery/registry.js';
import { protocolPreference } from '../../src/protocols/driver-factory.js';
import { PROTOCOL_MODULES } from '../../src/protocols/index.js';
import { capturingLogger, until } from '../discovery/helpers.js';

let running: DiscoverySources | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** A TCP port nothing listens on right now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A protocol module a test adds to the table: its one source logs what it is asked to do. */
function trialModule(calls: string[], hostsSeen: ListedHost[][]): ProtocolModule {
  return {
    name: 'trial',
    preference: 9,
    parseUrl: (url) => (url.endsWith('/') ? { url, host: 'trial-host' } : { url, key: `trial:${url}`, host: 'trial-host' }),
    createDriver: () => {
      throw new Error('not used');
    },
    discovery: ({ hosts }) => {
      hostsSeen.push(hosts);
      const source: DiscoverySource = {
        name: 'trial',
        start: (report: DiscoveryReport) => {
          calls.push('start');
          report.found({ key: 'trial:found', source: 'trial', protocol: 'trial', name: 'Found by trial', endpoints: [{ url: 'trial://192.0.2.50/a' }] });
        },
        stop: () => void calls.push('stop'),
        refresh: () => void calls.push('refresh'),
      };
      return { sources: [source], mdnsServices: [] };
    },
  };
}

describe('discovery sources built from the protocol modules', () => {
  it('reports hand-listed devices (WSD ones too, without a warning) and hands saned hosts to the SANE module', async () => {
    const [a, b] = [await closedPort(), await closedPort()];
    const devices = [
      { name: 'Office', protocol: 'escl', url: 'http://192.0.2.7/eSCL' },
      { name: 'Brother', protocol: 'wsd', url: 'http://192.0.2.8:5358/wsd/scan' },
      { name: 'Basement', protocol: 'sane', url: `sane://127.0.0.1:${a}` },
    ];
    const config = loadConfig({ argv: [], env: { SCAN2MQTT_DEVICES: JSON.stringify(devices), SCAN2MQTT_DISCOVERY_SANED_HOSTS: `sane://127.0.0.1:${b}`, SCAN2MQTT_DISCOVERY_MDNS: 'false', SCAN2MQTT_DISCOVERY_WSD: 'false' } });
    const { logger, lines } = capturingLogger();
    const registry = new DeviceRegistry({ protocolPreference: protocolPreference(PROTOCOL_MODULES) });
    running = createDiscoverySources({ config, modules: PROTOCOL_MODULES, report: registry.discoveryReport(), logger, tracer: NO_TRACE });
    running.start();
    expect(registry.list().map((r) => [r.name, r.protocol, r.endpoints[0]?.url])).toEqual([
      ['Office', 'escl', 'http://192.0.2.7/eSCL/'],
      ['Brother', 'wsd', 'http://192.0.2.8:5358/wsd/scan'],
    ]);
    expect(lines.filter((l) => /WSD/.test(String(l.msg)))).toEqual([]);
    await until(() => lines.filter((l) => l.msg === 'saned host unreachable').length === 2);
    expect(lines.filter((l) => l.msg === 'saned host unreachable').map((l) => l.saned)).toEqual(expect.arrayContaining([`127.0.0.1:${a}`, `127.0.0.1:${b}`]));
  });

  it('starts a protocol added to the table with the others, refreshes it on discover, and stops it', async () => {
    const calls: string[] = [];
    const hostsSeen: ListedHost[][] = [];
    const modules = [...PROTOCOL_MODULES, trialModule(calls, hostsSeen)];
    const devices = [
      { name: 'Trial device', protocol: 'trial', url: 'trial://192.0.2.51/x' },
      { name: 'Trial host', protocol: 'trial', url: 'trial://192.0.2.52/' },
    ];
    const { logger } = capturingLogger();
    const registry = new DeviceRegistry({ protocolPreference: protocolPreference(modules) });
    const config = { devices, discovery: { ...loadConfig({ argv: [], env: {} }).discovery, mdns: false, wsd: false } };
    running = createDiscoverySources({ config, modules, report: registry.discoveryReport(), logger, tracer: NO_TRACE });
    expect(hostsSeen).toEqual([[{ name: 'Trial host', url: 'trial://192.0.2.52/' }]]);
    running.start();
    expect(registry.list().map((r) => r.name).sort()).toEqual(['Found by trial', 'Trial device']);
    await running.refresh();
    await running.stop();
    running = undefined;
    expect(calls).toEqual(['start', 'refresh', 'stop']);
  });

  it('refuses a hand-listed host of a protocol that cannot list devices', () => {
    const { logger } = capturingLogger();
    const hostOnly: ProtocolModule = { ...trialModule([], []), discovery: undefined } as ProtocolModule;
    const config = { devices: [{ name: 'Host', protocol: 'trial', url: 'trial://h/' }], discovery: loadConfig({ argv: [], env: {} }).discovery };
    expect(() => createDiscoverySources({ config, modules: [hostOnly], report: new DeviceRegistry().discoveryReport(), logger, tracer: NO_TRACE })).toThrowError(/cannot list the devices/);
  });
});
