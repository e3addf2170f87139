import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEVICE_TYPE, DEVPROF_NS, PRINT_NS, PUB_NS, SCAN_DEVICE_TYPE, SCAN_NS, buildProbe, buildResolve, mayBeScanner, parseDiscoveryMessage } from '../../../../src/protocols/wsd/discovery/codec.js';
import { findingFromMetadata, findingKeyFor } from '../../../../src/protocols/wsd/discovery/to-finding.js';
import { parseMetadataResponse } from '../../../../src/protocols/wsd/metadata.js';
import { nsChild, nsText, parseNsXml, resolveQNames } from '../../../../src/xml/namespaced-xml.js';
import { FIXTURES } from '../../../helpers/fixtures.js';

const read = (name: string) => readFileSync(join(FIXTURES, 'wsd', name), 'utf8');

describe('WS-Discovery codec on real and spec messages', () => {
  it('Kyocera ProbeMatches: address, types by namespace, both XAddrs, MetadataVersion', () => {
    const msg = parseDiscoveryMessage(read('kyocera-ecosys-m2040dn-ProbeMatches.xml'));
    expect(msg).toMatchObject({ kind: 'probe-matches', relatesTo: 'urn:uuid:f9f56956-7662-4b32-9459-d0f2823424fe' });
    if (msg.kind !== 'probe-matches') throw new Error('kind');
    expect(msg.endpoints).toEqual([
      {
        address: 'uuid:4509a320-00a0-008f-00b6-002507510eca',
        types: [
          { ns: DEVPROF_NS, name: 'Device' },
          { ns: SCAN_NS, name: 'ScanDeviceType' },
          { ns: PRINT_NS, name: 'PrintDeviceType' },
        ],
        xaddrs: ['http://192.168.1.102:5358/DeviceService/', 'http://[fe80::217:c8ff:fe7b:6a91]:5358/DeviceService/'],
        metadataVersion: 1,
      },
    ]);
    expect(mayBeScanner(msg.endpoints[0]!)).toBe(true);
  });

  it("wsdd's ProbeMatches is a computer without XAddrs: never a scanner", () => {
    const msg = parseDiscoveryMessage(read('wsdd/wsdd-0.7.0-ProbeMatches.xml'));
    if (msg.kind !== 'probe-matches') throw new Error('kind');
    const [endpoint] = msg.endpoints;
    expect(endpoint?.types).toEqual([
      { ns: DEVPROF_NS, name: 'Device' },
      { ns: PUB_NS, name: 'Computer' },
    ]);
    expect(endpoint?.xaddrs).toEqual([]);
    expect(mayBeScanner(endpoint!)).toBe(false);
  });

  it("wsdd's Hello (no Types) needs its metadata, which has no scanner service: not listed", () => {
    const msg = parseDiscoveryMessage(read('wsdd/wsdd-0.7.0-Hello.xml'));
    if (msg.kind !== 'hello') throw new Error('kind');
    expect(msg.endpoints).toEqual([{ address: 'urn:uuid:22222222-3333-4444-5555-666666666666', types: [], xaddrs: ['http://192.0.2.2:5357/22222222-3333-4444-5555-666666666666'], metadataVersion: 1 }]);
    expect(mayBeScanner(msg.endpoints[0]!)).toBe(true);
    const metadata = parseMetadataResponse(read('wsdd/wsdd-0.7.0-TransferGetResponse.xml'));
    expect(findingFromMetadata(msg.endpoints[0]!.address, metadata)).toBeUndefined();
  });

  it("wsdd's Bye and the spec's Hello/Bye (https:// namespaces, padded text)", () => {
    expect(parseDiscoveryMessage(read('wsdd/wsdd-0.7.0-Bye.xml'))).toMatchObject({ kind: 'bye', address: 'urn:uuid:22222222-3333-4444-5555-666666666666' });
    expect(parseDiscoveryMessage(read('spec-sample-Bye.xml'))).toMatchObject({ kind: 'bye', address: 'urn:uuid:37f86d35-e6ac-4241-964f-1d9ae46fb366', messageId: 'urn:uuid:193ccfa0-347d-41a1-9285-f500b6b96a15' });
    const hello = parseDiscoveryMessage(read('spec-sample-Hello.xml'));
    expect(hello).toMatchObject({ kind: 'hello', endpoints: [{ address: 'urn:uuid:37f86d35-e6ac-4241-964f-1d9ae46fb366', types: [{ ns: DEVPROF_NS, name: 'Device' }], xaddrs: [], metadataVersion: 2 }] });
  });

  it('a Kyocera finding: uuid key, maker and model as name, the dialable scanner service URL', () => {
    const finding = findingFromMetadata('uuid:4509a320-00a0-008f-00b6-002507510eca', parseMetadataResponse(read('kyocera-ecosys-m2040dn-TransferGetResponse-metadata.xml')));
    expect(finding).toEqual({
      key: 'uuid:4509a320-00a0-008f-00b6-002507510eca',
      source: 'wsd',
      protocol: 'wsd',
      name: 'Kyocera ECOSYS M2040dn',
      manufacturer: 'Kyocera',
      model: 'ECOSYS M2040dn',
      serial: 'VCF9192281',
      adminUrl: 'http://192.168.1.102',
      // The link-local IPv6 URL has no zone, so it names no interface and is left out.
      endpoints: [{ url: 'http://192.168.1.102:5358/WSDScanner' }],
    });
    expect(findingKeyFor('urn:uuid:ABCDEF00-0000-4000-8000-000000000001')).toBe('uuid:abcdef00-0000-4000-8000-000000000001');
    expect(findingKeyFor('http://odd-device/')).toBe('wsd:http://odd-device/');
  });

  it('Probe and Resolve are built with every prefix declared and read back by namespace', () => {
    const probe = parseNsXml(buildProbe([DEVICE_TYPE, SCAN_DEVICE_TYPE], 'urn:uuid:1'), 'probe');
    const soap = 'http://www.w3.org/2003/05/soap-envelope';
    const wsd = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
    const types = nsChild(nsChild(nsChild(probe, soap, 'Body'), wsd, 'Probe'), wsd, 'Types')!;
    expect(resolveQNames(types, types.text)).toEqual([
      { ns: DEVPROF_NS, name: 'Device' },
      { ns: SCAN_NS, name: 'ScanDeviceType' },
    ]);
    // The text itself as Windows writes it: wsdd compares `wsdp:Device` literally.
    expect(types.text).toBe('wsdp:Device wscn:ScanDeviceType');
    expect(nsText(nsChild(probe, soap, 'Header'), 'http://schemas.xmlsoap.org/ws/2004/08/addressing', 'Action')).toBe(`${wsd}/Probe`);
    const resolve = buildResolve('urn:uuid:<evil>&', 'urn:uuid:2');
    expect(resolve).toContain('urn:uuid:&lt;evil&gt;&amp;');
    expect(parseNsXml(resolve, 'resolve').name).toBe('Envelope');
  });
});
