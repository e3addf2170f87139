/**
 * Real mDNS on loopback: bonjour-service publishes `_uscan`/`_uscans` services on a private
 * port with the multicast group joined on 127.0.0.1 only (so no packet leaves the host), and
 * createMdnsDiscovery has to find, merge and drop them.
 */
import { createSocket, type Socket } from 'node:dgram';
import type Bonjour from 'bonjour-service';
import type { Service } from 'bonjour-service';
import { afterEach, describe, expect, it } from 'vitest';
import { createMdnsDiscovery, type MdnsDiscovery } from '../../src/discovery/mdns/mdns-discovery.js';
import { createBonjour, mdnsSocketOf, type MdnsSocketOptions } from '../../src/discovery/mdns/mdns-socket.js';
import { DeviceRegistry, type DeviceRecord } from '../../src/discovery/registry.js';
import { esclMdnsServices } from '../../src/protocols/escl/module.js';
import { capturingLogger, freeUdpPort, until } from './helpers.js';

const MDNS_GROUP = '224.0.0.251';
const UUID = '6f3c1a2e-0000-4000-8000-00000000c0de';
const TXT = { txtvers: '1', rs: 'eSCL', ty: 'Acme Scanmaster 9000', UUID: UUID.toUpperCase(), adminurl: 'http://127.0.0.1/admin' };

/** Socket options that keep all multicast on the loopback interface. */
const onLoopback = (port: number): MdnsSocketOptions => ({ port, interface: '127.0.0.1', bind: '0.0.0.0' });

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function publisher(port: number): Bonjour {
  const bonjour = createBonjour(onLoopback(port));
  cleanups.push(() => new Promise<void>((resolve) => bonjour.unpublishAll(() => bonjour.destroy(() => resolve()))));
  return bonjour;
}

function publish(bonjour: Bonjour, type: 'uscan' | 'uscans', port: number): Service {
  return bonjour.publish({ name: 'Lab Scanner', type, port, txt: TXT, probe: false });
}

function stopService(service: Service): Promise<void> {
  return new Promise((resolve) => service.stop?.(() => resolve()));
}

function startDiscovery(deps: Partial<Parameters<typeof createMdnsDiscovery>[0]>) {
  const { logger, lines } = capturingLogger();
  const registry = new DeviceRegistry();
  const goodbyes: Array<[string, string]> = [];
  const discovery: MdnsDiscovery = createMdnsDiscovery({
    logger,
    services: esclMdnsServices,
    queryIntervalMs: 250,
    // Loopback only, so no packet leaves the host; the links and sockets are the production ones.
    restrictTo: '127.0.0.1',
    ...deps,
  });
  cleanups.push(() => discovery.stop());
  discovery.start({
    found: (finding) => registry.report(finding),
    goodbye: (key, source, url) => {
      goodbyes.push([key, url ?? '']);
      registry.withdraw(key, source, url);
    },
  });
  return { discovery, registry, goodbyes, lines };
}

/** A socket bound like avahi-daemon binds 5353: SO_REUSEADDR, group joined. */
async function avahiLikeSocket(port: number, reuseAddr: boolean): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr });
  await new Promise<void>((resolve) => socket.bind(port, '0.0.0.0', resolve));
  if (reuseAddr) socket.addMembership(MDNS_GROUP, '127.0.0.1');
  const close = () => new Promise<void>((resolve) => socket.close(() => resolve()));
  cleanups.push(async () => {
    try {
      await close();
    } catch {
      // already closed by the test
    }
  });
  return socket;
}

const record = (registry: DeviceRegistry): DeviceRecord | undefined => registry.getByKey(`uuid:${UUID}`);
const urls = (registry: DeviceRegistry): string[] => record(registry)?.endpoints.map((e) => e.url) ?? [];

describe('mDNS discovery on loopback', () => {
  it('bonjour-service still exposes the socket whose errors we must handle', () => {
    const bonjour = createBonjour(onLoopback(0));
    expect(mdnsSocketOf(bonjour)).toBeDefined();
    bonjour.destroy();
  });

  it('finds _uscan and _uscans services of one UUID as one device, beside an avahi-like socket, and follows goodbyes', async () => {
    const port = await freeUdpPort();
    await avahiLikeSocket(port, true);
    const announcer = publisher(port);
    const plain = publish(announcer, 'uscan', 18099);
    const { registry, goodbyes, lines } = startDiscovery({ port });

    await until(() => urls(registry).some((u) => u.startsWith('http://') && u.endsWith(':18099/eSCL/')));
    expect(lines.some((l) => l.msg === 'mDNS socket ready')).toBe(true);

    // Published after discovery started: found by its announcement or the next query.
    const secure = publish(announcer, 'uscans', 18443);
    await until(() => urls(registry).some((u) => u.startsWith('https://') && u.endsWith(':18443/eSCL/')));
    expect(registry.list()).toHaveLength(1);
    expect(record(registry)).toMatchObject({
      id: scannerId(),
      name: 'Acme Scanmaster 9000',
      manufacturer: 'Acme',
      model: 'Scanmaster 9000',
      adminUrl: 'http://127.0.0.1/admin',
      present: true,
    });
    expect(record(registry)?.endpoints[0]?.url.startsWith('http://')).toBe(true);
    expect(record(registry)?.endpoints.find((e) => e.url.startsWith('https:'))?.insecureTls).toBe(true);

    await stopService(plain);
    await until(() => goodbyes.length > 0 && !urls(registry).some((u) => u.startsWith('http://')));
    expect(record(registry)?.present).toBe(true);
    expect(goodbyes.every(([key]) => key === `uuid:${UUID}`)).toBe(true);

    const lost: DeviceRecord[] = [];
    registry.on('lost', (r) => lost.push(r));
    await stopService(secure);
    await until(() => lost.length === 1);
    expect(record(registry)?.present).toBe(false);
  });

  it('survives its port being taken, retries, and works once the port is free', async () => {
    const port = await freeUdpPort();
    const blocker = await avahiLikeSocket(port, false);
    const { registry, lines } = startDiscovery({ port, retryMinMs: 10, retryMaxMs: 50 });

    const failures = () => lines.filter((l) => l.msg === 'mDNS socket failed; retrying' && l.code === 'EADDRINUSE');
    await until(() => failures().length >= 3);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));

    await until(() => lines.some((l) => l.msg === 'mDNS socket ready'));
    publish(publisher(port), 'uscan', 18099);
    await until(() => record(registry) !== undefined);
    expect(record(registry)?.present).toBe(true);
  });

  it('treats an error event and a failing factory as retryable, and refresh() reopens at once', async () => {
    const port = await freeUdpPort();
    const made: Bonjour[] = [];
    let calls = 0;
    const { discovery, lines } = startDiscovery({
      port,
      retryMinMs: 60 * 60 * 1000,
      bonjour: () => {
        calls += 1;
        if (calls === 1) throw Object.assign(new Error('no interface'), { code: 'ENODEV' });
        const bonjour = createBonjour(onLoopback(port));
        made.push(bonjour);
        return bonjour;
      },
    });
    expect(calls).toBe(1);
    expect(lines.some((l) => l.code === 'ENODEV')).toBe(true);
    // The retry is an hour away; the "discover now" request must not wait for it.
    discovery.refresh();
    expect(calls).toBe(2);
    await until(() => lines.some((l) => l.msg === 'mDNS socket ready'));

    mdnsSocketOf(made[0]!)?.emit('error', Object.assign(new Error('denied'), { code: 'EPERM' }));
    expect(lines.some((l) => l.code === 'EPERM')).toBe(true);
    discovery.refresh();
    expect(calls).toBe(3);
    await discovery.stop();
    discovery.refresh();
    expect(calls).toBe(3);
  });
});

function scannerId(): string {
  return UUID.replace(/-/g, '_');
}
