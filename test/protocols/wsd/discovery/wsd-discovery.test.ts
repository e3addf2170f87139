/**
 * WsdDiscovery over loopback unicast UDP: the simulated devices answer probes sent to their
 * socket and send Hello/Bye to the source's listening socket. (Multicast inside network
 * namespaces is a separate test.)
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceFinding } from '../../../../src/core/device.js';
import { openUdpTransport, type UdpTransport } from '../../../../src/protocols/wsd/discovery/udp-transport.js';
import { PROBE_REPEATS, WsdDiscovery } from '../../../../src/protocols/wsd/discovery/wsd-discovery.js';
import { probeWsdMetadata } from '../../../../src/protocols/wsd/driver.js';
import { DiscoveryResponder, type ResponderOptions } from '../../../sim/wsd/discovery-responder.js';
import { WsdSimulator, type WsdSimOptions } from '../../../sim/wsd/simulator.js';
import { FIXTURES } from '../../../helpers/fixtures.js';

const logger = pino({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Seen {
  found: DeviceFinding[];
  goodbyes: [string, string, string][];
}

async function device(options: WsdSimOptions = {}, responder: ResponderOptions = {}): Promise<{ sim: WsdSimulator; responder: DiscoveryResponder }> {
  const sim = await WsdSimulator.start(options);
  cleanups.push(() => sim.close());
  const r = await DiscoveryResponder.start(sim.model, () => sim.xaddr, responder);
  cleanups.push(() => r.close());
  return { sim, responder: r };
}

async function discovery(targets: { port: number }[]): Promise<{ source: WsdDiscovery; seen: Seen; listener: () => { address: string; port: number } }> {
  let transport: UdpTransport | undefined;
  const source = new WsdDiscovery({
    logger,
    fetchMetadata: (xaddr, address, signal) => probeWsdMetadata(xaddr, address, { logger, deviceLabel: xaddr }, signal),
    openTransport: async () => {
      transport = await openUdpTransport({ logger, multicast: false, listenPort: 0, listenAddress: '127.0.0.1', targets: targets.map((t) => ({ address: '127.0.0.1', port: t.port })) });
      return transport;
    },
  });
  const seen: Seen = { found: [], goodbyes: [] };
  await source.start({ found: (f) => seen.found.push(f), goodbye: (key, src, url) => seen.goodbyes.push([key, src, url ?? '']) });
  cleanups.push(() => source.stop());
  return { source, seen, listener: () => ({ address: '127.0.0.1', port: transport!.listenPort()! }) };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const settle = () => new Promise((r) => setTimeout(r, 800));

describe('WS-Discovery source (loopback unicast)', () => {
  it('probes with repeats, reads metadata once, reports the scanner service; a printer without one is not listed', async () => {
    const scanner = await device();
    const printer = await device({ model: { endpointAddress: 'urn:uuid:0000aaaa-0000-4000-8000-000000000002', hasScanner: false, types: 'devprof:Device print:PrintDeviceType' } });
    const { seen } = await discovery([scanner.responder, printer.responder]);
    await until(() => seen.found.length > 0, 'a finding');
    // Two probes (wsdp:Device, wscn:ScanDeviceType), each sent 1 + PROBE_REPEATS times with the same MessageID.
    await until(() => scanner.responder.probes.length === 2 * (1 + PROBE_REPEATS), 'the probe repeats');
    const ids = new Set(scanner.responder.probes.map((p) => /MessageID>([^<]+)</.exec(p)?.[1]));
    expect(ids.size).toBe(2);
    await settle();
    expect(seen.found).toEqual([
      {
        key: 'uuid:5a1e0000-0000-4000-8000-00000000d5d1',
        source: 'wsd',
        protocol: 'wsd',
        name: 'SimWorks WSD Sim 9000',
        manufacturer: 'SimWorks',
        model: 'WSD Sim 9000',
        serial: 'SIM0001',
        adminUrl: `${new URL(scanner.sim.scanUrl).origin}/`,
        endpoints: [{ url: scanner.sim.scanUrl }],
      },
    ]);
    // Many replies, one metadata read per device.
    expect(scanner.sim.actions().filter((a) => a === 'Get')).toHaveLength(1);
    expect(printer.sim.actions().filter((a) => a === 'Get')).toHaveLength(1);
  });

  it('Hello with a new MetadataVersion refetches the metadata; Bye says goodbye', async () => {
    const scanner = await device();
    const { seen, listener } = await discovery([]);
    await scanner.responder.hello(listener());
    await until(() => seen.found.length === 1, 'the Hello finding');
    await scanner.responder.hello(listener());
    await settle();
    expect(scanner.sim.actions().filter((a) => a === 'Get')).toHaveLength(1);
    scanner.sim.model.metadataVersion = 2;
    await scanner.responder.hello(listener());
    await until(() => scanner.sim.actions().filter((a) => a === 'Get').length === 2, 'the second metadata read');
    await until(() => seen.found.length === 2, 'the refreshed finding');
    await scanner.responder.bye(listener());
    await until(() => seen.goodbyes.length === 1, 'the goodbye');
    expect(seen.goodbyes).toEqual([['uuid:5a1e0000-0000-4000-8000-00000000d5d1', 'wsd', scanner.sim.scanUrl]]);
  });

  it('a ProbeMatch without XAddrs is resolved first', async () => {
    const scanner = await device({}, { omitXAddrsInProbeMatches: true });
    const { seen } = await discovery([scanner.responder]);
    await until(() => seen.found.length === 1, 'the resolved finding');
    await settle();
    // Six ProbeMatches arrive (two probes, three sends each) but one Resolve goes out, with its repeats.
    expect(scanner.responder.resolves).toHaveLength(1 + PROBE_REPEATS);
    expect(new Set(scanner.responder.resolves.map((p) => /MessageID>([^<]+)</.exec(p)?.[1])).size).toBe(1);
    expect(seen.found[0]?.endpoints).toEqual([{ url: scanner.sim.scanUrl }]);
  });

  it("Debian wsdd's ProbeMatches and Hello (a computer) are not listed", async () => {
    const wsddMetadata = readFileSync(join(FIXTURES, 'wsd/wsdd/wsdd-0.7.0-TransferGetResponse.xml'));
    let metadataReads = 0;
    const http = createServer((req, res) => {
      metadataReads += 1;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/soap+xml' }).end(wsddMetadata);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => http.close(() => resolve())));
    const xaddr = `http://127.0.0.1:${(http.address() as AddressInfo).port}/22222222-3333-4444-5555-666666666666`;
    const { seen, listener } = await discovery([]);
    const socket = createSocket('udp4');
    cleanups.push(() => new Promise((resolve) => socket.close(() => resolve())));
    const send = (xml: string) => new Promise<void>((resolve) => socket.send(xml, listener().port, '127.0.0.1', () => resolve()));
    await send(readFileSync(join(FIXTURES, 'wsd/wsdd/wsdd-0.7.0-ProbeMatches.xml'), 'utf8'));
    await send(readFileSync(join(FIXTURES, 'wsd/wsdd/wsdd-0.7.0-Hello.xml'), 'utf8').replace('http://192.0.2.2:5357/22222222-3333-4444-5555-666666666666', xaddr));
    await until(() => metadataReads === 1, "the Hello's metadata read");
    await settle();
    expect(seen.found).toEqual([]);
    await send(readFileSync(join(FIXTURES, 'wsd/wsdd/wsdd-0.7.0-Bye.xml'), 'utf8'));
    await settle();
    expect(seen.goodbyes).toEqual([]);
    // Malformed datagrams are dropped without harm.
    await send('<not xml');
    await send('x'.repeat(60_000));
  });
});
