import { describe, expect, it } from 'vitest';
import { buildEsclTxt, encodeTxt, TXT_STRING_MAX_BYTES, truncateUtf8 } from '../../../src/escl-server/dns-sd/escl-txt.js';
import { findingFromService } from '../../../src/protocols/escl/mdns/to-finding.js';
import { parseTxt } from '../../../src/protocols/escl/mdns/txt.js';
import { BROTHER_FIXTURE, readAvahiCapture } from '../../discovery/helpers.js';
import { sampleAdvert } from './fixtures.js';

const ORIGIN = 'http://198.51.100.2:8091';
const asObject = (entries: ReturnType<typeof buildEsclTxt>) => Object.fromEntries(entries);

describe('eSCL TXT record of a shared scanner', () => {
  it('carries every key clients read, in the form real devices use', () => {
    expect(asObject(buildEsclTxt(sampleAdvert(), ORIGIN))).toEqual({
      txtvers: '1',
      ty: 'Canon LiDE 220',
      rs: 'eSCL',
      UUID: '4509a320-00a0-008f-00b6-002507510eca',
      pdl: 'application/pdf,image/jpeg,image/png',
      cs: 'color,grayscale,binary',
      is: 'platen,adf',
      duplex: 'F',
      representation: 'http://198.51.100.2:8091/icon.png',
      adminurl: 'http://198.51.100.2:8091/',
      note: 'gateway-host',
    });
  });

  it('uses the same keys and value forms as the real Brother DCP-L2530DW capture', () => {
    const brother = parseTxt(readAvahiCapture(BROTHER_FIXTURE).txt);
    const ours = parseTxt(encodeTxt(buildEsclTxt(sampleAdvert({ duplex: false, note: '' }), ORIGIN)));
    // Every key of the device except its eSCL version (the capabilities document carries it) and the truncated icon URL.
    for (const key of [...brother.keys()].filter((k) => k !== 'vers' && k !== 'representation')) expect(ours.has(key), key).toBe(true);
    expect(ours.get('duplex')).toBe(brother.get('duplex'));
    expect(ours.get('rs')).toBe(brother.get('rs'));
    expect(ours.get('note')).toBe(brother.get('note'));
    expect(ours.get('uuid')).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
    expect(brother.get('uuid')).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
  });

  it('is read back by the gateway own eSCL discovery as the same device (client against server)', () => {
    const advert = sampleAdvert({ secure: true, duplex: true, inputSources: ['platen', 'adf'] });
    const finding = findingFromService({
      name: advert.name,
      type: 'uscans',
      port: advert.port,
      addresses: ['198.51.100.2'],
      host: 'gw-scan2mqtt.local',
      rawTxt: encodeTxt(buildEsclTxt(advert, 'https://198.51.100.2:8091')),
    });
    expect(finding.key).toBe(`uuid:${advert.uuid}`);
    expect(finding.endpoints.map((e) => e.url)).toEqual(['https://198.51.100.2:8091/eSCL/']);
    expect(finding.adminUrl).toBe('https://198.51.100.2:8091/');
  });

  it('keeps full URLs, strips urn:uuid: and braces, writes duplex T', () => {
    const txt = asObject(
      buildEsclTxt(sampleAdvert({ uuid: 'urn:uuid:{ABCDEF00-0000-4000-8000-000000000001}', adminPath: 'https://admin.example/x', iconPath: 'icons/a.png', duplex: true }), ORIGIN),
    );
    expect(txt.UUID).toBe('ABCDEF00-0000-4000-8000-000000000001');
    expect(txt.adminurl).toBe('https://admin.example/x');
    expect(txt.representation).toBe('http://198.51.100.2:8091/icons/a.png');
    expect(txt.duplex).toBe('T');
  });

  it('hostile values: control characters become spaces; list entries with commas, spaces or nothing are dropped', () => {
    const txt = asObject(
      buildEsclTxt(
        sampleAdvert({
          makeAndModel: 'Evil\r\nty=injected\u0000',
          documentFormats: ['image/jpeg', 'image/png,application/x-evil', ' ', 'image/jpeg', 'text/plain garbage'],
          colorSpaces: [],
          note: 'line1\nline2',
        }),
        ORIGIN,
      ),
    );
    expect(txt.ty).toBe('Evil  ty=injected ');
    expect(txt.pdl).toBe('image/jpeg');
    expect(txt.cs).toBe('');
    expect(txt.note).toBe('line1 line2');
  });

  it('bound: every entry fits one 255-byte character-string, cut on a UTF-8 boundary', () => {
    const long = 'Ü'.repeat(400);
    const encoded = encodeTxt(buildEsclTxt(sampleAdvert({ makeAndModel: long, note: long, adminPath: `/${'a'.repeat(600)}` }), ORIGIN));
    for (const entry of encoded) expect(entry.length).toBeLessThanOrEqual(TXT_STRING_MAX_BYTES);
    const ty = encoded.find((b) => b.toString().startsWith('ty='))!;
    expect(ty.length).toBe(TXT_STRING_MAX_BYTES); // `ty=` and 126 two-byte characters
    expect(ty.toString('utf8')).not.toContain('\ufffd');
    expect(truncateUtf8('a€b', 3)).toBe('a');
    expect(truncateUtf8('abc', 3)).toBe('abc');
  });
});
