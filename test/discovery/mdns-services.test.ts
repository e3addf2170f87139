/**
 * The mDNS browser hands each resolved service to the protocol that answers to its type:
 * device services become findings and goodbyes, the others go to the protocol's watcher.
 */
import type { Service } from 'bonjour-service';
import { describe, expect, it } from 'vitest';
import type { DeviceFinding } from '../../src/core/device.js';
import type { MdnsServiceType, ResolvedService } from '../../src/core/mdns-service.js';
import { ServiceTracker } from '../../src/discovery/mdns/mdns-services.js';
import { esclMdnsServices } from '../../src/protocols/escl/module.js';
import { capturingLogger } from './helpers.js';

const UUID = '4509a320-00a0-008f-00b6-002507510eca';

/** A resolved `_uscan._tcp` answer as bonjour-service delivers it. */
function uscan(address: string): Service {
  const service: ResolvedService = {
    name: 'Brother DCP-L2530DW series',
    fqdn: 'Brother DCP-L2530DW series._uscan._tcp.local',
    type: 'uscan',
    port: 80,
    host: 'brother.local',
    addresses: [address],
    rawTxt: [Buffer.from(`UUID=${UUID}`), Buffer.from('ty=Brother DCP-L2530DW series'), Buffer.from('rs=eSCL')],
    referer: { address },
  };
  return service as unknown as Service;
}

function tracker(services: readonly MdnsServiceType[]) {
  const { logger, lines } = capturingLogger();
  const found: DeviceFinding[] = [];
  const goodbyes: [string, string, string | undefined][] = [];
  const t = new ServiceTracker({ logger, services });
  t.reportTo({ found: (f) => void found.push(f), goodbye: (key, source, url) => void goodbyes.push([key, source, url]) });
  return { t, found, goodbyes, lines };
}

describe('mDNS service tracker', () => {
  it('browses the types the protocol modules answer to', () => {
    const watched: MdnsServiceType = { type: 'sane-port', watch: { up: () => {}, down: () => {} } };
    expect(tracker([...esclMdnsServices, watched]).t.types).toEqual(['uscan', 'uscans', 'sane-port']);
  });

  it('reports a device service as a finding and its goodbye as a withdrawal of what mDNS reported', () => {
    const { t, found, goodbyes } = tracker(esclMdnsServices);
    t.up('uscan', uscan('192.0.2.7'));
    expect(found).toEqual([expect.objectContaining({ key: `uuid:${UUID}`, source: 'mdns', protocol: 'escl', endpoints: [{ url: 'http://192.0.2.7:80/eSCL/' }] })]);
    t.up('uscan', uscan('192.0.2.9'));
    expect(goodbyes).toEqual([[`uuid:${UUID}`, 'mdns', 'http://192.0.2.7:80/eSCL/']]);
    t.down('uscan', uscan('192.0.2.9'));
    expect(goodbyes.at(-1)).toEqual([`uuid:${UUID}`, 'mdns', 'http://192.0.2.9:80/eSCL/']);
  });

  it("hands a watched type's services to its protocol, and survives a watcher that throws", () => {
    const seen: string[] = [];
    const watched: MdnsServiceType = {
      type: 'sane-port',
      watch: {
        up: (s) => void seen.push(`up ${s.name}`),
        down: (s) => {
          seen.push(`down ${s.name}`);
          throw new Error('watcher bug');
        },
      },
    };
    const { t, found, lines } = tracker([watched]);
    const service = { name: 'saned on lab', type: 'sane-port', port: 6566, addresses: ['192.0.2.9'] } as unknown as Service;
    t.up('sane-port', service);
    t.down('sane-port', service);
    t.up('uscan', uscan('192.0.2.7'));
    expect(seen).toEqual(['up saned on lab', 'down saned on lab']);
    expect(found).toEqual([]);
    expect(lines.some((l) => l.msg === 'watcher handler failed')).toBe(true);
  });

  it('ignores an unusable service of a device type', () => {
    const { t, found, lines } = tracker(esclMdnsServices);
    t.up('uscan', { ...uscan('192.0.2.7'), port: 0 } as unknown as Service);
    expect(found).toEqual([]);
    expect(lines.some((l) => l.msg === 'ignoring unusable service')).toBe(true);
  });
});
