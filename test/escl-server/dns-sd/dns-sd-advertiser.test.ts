/**
 * The advertiser on loopback with a private mDNS port (the multicast group joined on
 * 127.0.0.1 only, so nothing leaves the host), seen by the gateway's own mDNS discovery and
 * by a bonjour-service browser: the same sockets and links as production, another port.
 */
import { networkInterfaces } from 'node:os';
import type Bonjour from 'bonjour-service';
import type { Service } from 'bonjour-service';
import { afterEach, describe, expect, it } from 'vitest';
import { createMdnsDiscovery } from '../../../src/discovery/mdns/mdns-discovery.js';
import { createBonjour } from '../../../src/discovery/mdns/mdns-socket.js';
import { DeviceRegistry } from '../../../src/discovery/registry.js';
import { createDnsSdAdvertiser, type DnsSdAdvertiserDeps } from '../../../src/escl-server/dns-sd/dns-sd-advertiser.js';
import { esclMdnsServices } from '../../../src/protocols/escl/module.js';
import { capturingLogger, freeUdpPort, until } from '../../discovery/helpers.js';
import { sampleAdvert } from './fixtures.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const onLoopback = (port: number) => ({ port, interface: '127.0.0.1', bind: '0.0.0.0' });

function advertiser(port: number, extra: Partial<DnsSdAdvertiserDeps> = {}) {
  const { logger, lines } = capturingLogger();
  const adv = createDnsSdAdvertiser({ logger, port, restrictTo: '127.0.0.1', hostLabel: 'lab-gw-scan2mqtt', probeIntervalMs: 30, announceIntervalMs: 100, ...extra });
  cleanups.push(() => adv.stop());
  return { adv, lines };
}

/** A browser that keeps the services it currently sees, by instance name. */
function browser(port: number, type: 'uscan' | 'uscans' = 'uscan') {
  const bonjour: Bonjour = createBonjour(onLoopback(port));
  const seen = new Map<string, Service>();
  const gone: string[] = [];
  const find = bonjour.find({ type, protocol: 'tcp' });
  find.on('up', (s: Service) => seen.set(s.name, s));
  find.on('txt-update', (s: Service) => seen.set(s.name, s));
  find.on('down', (s: Service) => {
    seen.delete(s.name);
    gone.push(s.name);
  });
  cleanups.push(() => new Promise<void>((resolve) => (find.stop(), bonjour.destroy(() => resolve()))));
  return { seen, gone, requery: () => find.update() };
}

describe('DNS-SD advertiser on loopback', () => {
  it('is found by the gateway own eSCL discovery with the right URL and admin page, and withdrawn by goodbye', async () => {
    const port = await freeUdpPort();
    const registry = new DeviceRegistry();
    const { logger } = capturingLogger();
    const discovery = createMdnsDiscovery({ logger, services: esclMdnsServices, restrictTo: '127.0.0.1', port, queryIntervalMs: 200 });
    cleanups.push(() => discovery.stop());
    const lost: string[] = [];
    registry.on('lost', (r: { key: string }) => lost.push(r.key));
    discovery.start({ found: (f) => registry.report(f), goodbye: (key, source, url) => registry.withdraw(key, source, url) });

    const { adv } = advertiser(port);
    const advert = sampleAdvert();
    adv.publish(advert);
    adv.start();
    const key = `uuid:${advert.uuid}`;
    await until(() => registry.getByKey(key) !== undefined);
    const record = registry.getByKey(key)!;
    expect(record.endpoints.map((e) => e.url)).toContain('http://127.0.0.1:8091/eSCL/');
    expect(record.adminUrl).toBe('http://127.0.0.1:8091/');
    expect(record.present).toBe(true);

    adv.withdraw(advert.scannerId);
    await until(() => lost.includes(key));
    expect(registry.getByKey(key)?.present).toBe(false);
  });

  it('publishes IPv4 and IPv6 addresses of the link, the TXT keys, and re-announces a change', async () => {
    const port = await freeUdpPort();
    const { seen } = browser(port);
    const { adv } = advertiser(port);
    adv.start();
    adv.publish(sampleAdvert());
    await until(() => seen.has('Office Lide'));
    const service = seen.get('Office Lide')!;
    expect(service.port).toBe(8091);
    expect(service.host).toBe('lab-gw-scan2mqtt.local');
    const loopback = (networkInterfaces().lo ?? []).map((i) => i.address);
    expect(service.addresses?.sort()).toEqual(loopback.sort());
    expect(service.addresses?.some((a) => a.includes(':'))).toBe(loopback.some((a) => a.includes(':')));
    expect(service.txt).toMatchObject({ txtvers: '1', rs: 'eSCL', ty: 'Canon LiDE 220', UUID: sampleAdvert().uuid, duplex: 'F', is: 'platen,adf' });

    adv.publish(sampleAdvert({ duplex: true, note: 'moved' }));
    await until(() => seen.get('Office Lide')?.txt?.note === 'moved');
    expect(seen.get('Office Lide')?.txt?.duplex).toBe('T');
  });

  it('publishes a TLS advert as both _uscan and _uscans on the one port, each with its own scheme in adminurl', async () => {
    const port = await freeUdpPort();
    const plain = browser(port, 'uscan');
    const secure = browser(port, 'uscans');
    const { adv } = advertiser(port);
    adv.start();
    adv.publish(sampleAdvert({ secure: true }));
    await until(() => plain.seen.has('Office Lide') && secure.seen.has('Office Lide'));
    expect([plain.seen.get('Office Lide')?.port, secure.seen.get('Office Lide')?.port]).toEqual([8091, 8091]);
    expect(plain.seen.get('Office Lide')?.txt?.adminurl).toMatch(/^http:\/\/[^/]+:8091\/$/);
    expect(secure.seen.get('Office Lide')?.txt?.adminurl).toMatch(/^https:\/\/[^/]+:8091\/$/);
    expect(secure.seen.get('Office Lide')?.txt?.UUID).toBe(plain.seen.get('Office Lide')?.txt?.UUID);
    adv.withdraw(sampleAdvert().scannerId);
    await until(() => plain.gone.includes('Office Lide') && secure.gone.includes('Office Lide'));
  });

  it('makes instance names unique: among its own adverts and against another responder on the network', async () => {
    const port = await freeUdpPort();
    const other = createBonjour(onLoopback(port));
    other.publish({ name: 'Taken Name', type: 'uscan', port: 9999, host: 'other-host.local', probe: false, txt: { txtvers: '1' } });
    cleanups.push(() => new Promise<void>((resolve) => other.unpublishAll(() => other.destroy(() => resolve()))));
    const { seen } = browser(port);
    await until(() => seen.has('Taken Name'));

    const { adv } = advertiser(port);
    adv.start();
    adv.publish(sampleAdvert({ scannerId: 'a', name: 'Twin' }));
    adv.publish(sampleAdvert({ scannerId: 'b', name: 'Twin', port: 8092 }));
    adv.publish(sampleAdvert({ scannerId: 'c', name: 'Taken Name', port: 8093 }));
    await until(() => seen.has('Twin') && seen.has('Twin (2)') && seen.has('Taken Name (2)'));
    expect(seen.get('Taken Name')?.port).toBe(9999);
    expect(seen.get('Taken Name (2)')?.port).toBe(8093);
    expect(new Set([seen.get('Twin')?.port, seen.get('Twin (2)')?.port])).toEqual(new Set([8091, 8092]));
  });

  it('bound: forty adverts are all found (responses split into packets that fit a frame)', async () => {
    const port = await freeUdpPort();
    const { adv, lines } = advertiser(port);
    adv.start();
    for (let i = 0; i < 40; i++) adv.publish(sampleAdvert({ scannerId: `s${i}`, name: `Shared scanner number ${i} ${'·'.repeat(20)}`, port: 9000 + i, uuid: `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}` }));
    // A browser started later learns them only by querying: every PTR answer must arrive.
    await until(() => lines.filter((l) => l.msg === 'DNS-SD: advertising shared scanner').length === 40);
    const { seen, requery } = browser(port);
    // The browser's first query may go out before its socket joined the group and miss the answers
    // (seen under load); real clients query again, so does this one until it has them all.
    const again = setInterval(requery, 1000);
    await until(() => seen.size === 40).finally(() => clearInterval(again));
    expect([...seen.values()].map((s) => s.port).sort()).toEqual(Array.from({ length: 40 }, (_, i) => 9000 + i));
  });

  it('follows its link: goodbye when the interface goes, announced again when it comes back; goodbyes on stop', async () => {
    const port = await freeUdpPort();
    let up = true;
    const interfaces = () => (up ? networkInterfaces() : {});
    const { seen, gone } = browser(port);
    const { adv, lines } = advertiser(port, { links: { interfaces, flags: () => undefined }, interfaceCheckMs: 50 });
    adv.start();
    adv.publish(sampleAdvert());
    await until(() => seen.has('Office Lide'));
    up = false;
    await until(() => gone.includes('Office Lide'));
    expect(lines.some((l) => l.msg === 'DNS-SD: interface gone')).toBe(true);
    up = true;
    await until(() => seen.has('Office Lide'));
    await adv.stop();
    await until(() => gone.filter((n) => n === 'Office Lide').length === 2);
    expect(seen.size).toBe(0);
  });

  it('never throws when its port is taken: logs and retries at the next interface check', async () => {
    const { createSocket } = await import('node:dgram');
    const port = await freeUdpPort();
    const blocker = createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve) => blocker.bind(port, '0.0.0.0', resolve));
    const { adv, lines } = advertiser(port, { interfaceCheckMs: 50 });
    adv.start();
    adv.publish(sampleAdvert());
    await until(() => lines.filter((l) => l.msg === 'DNS-SD: mDNS socket failed; retrying at the next interface check').length >= 2);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    const { seen } = browser(port);
    await until(() => seen.has('Office Lide'));
  });
});
