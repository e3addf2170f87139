/**
 * The walk-up parsers and builders on documents shaped like public device captures
 * (node-hp-scan-to's test assets, scantopc's structures; values are our own), on hostile input,
 * and under fuzzing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ScannerCapabilities } from '../../../../src/core/capabilities.js';
import { ScanError } from '../../../../src/core/errors.js';
import { MAX_XML_BYTES } from '../../../../src/protocols/escl/xml.js';
import { buildDestinationXml, MAX_DESTINATION_LABEL_CHARS, parseDestination, parseDestinationList } from '../../../../src/protocols/escl/walkup/destinations.js';
import { MAX_TABLE_EVENTS, parseCompEvent, parseEventTable, parseWalkupCaps } from '../../../../src/protocols/escl/walkup/events.js';
import { MAX_RESOURCE_PATH_CHARS, walkupResourcePath } from '../../../../src/protocols/escl/walkup/ledm-xml.js';
import { contentOfShortcut, mergeWalkupChoices, walkupChoicesOf, walkupDeviceJob } from '../../../../src/protocols/escl/walkup/panel-job.js';
import { isHpDevice, walkupOrigins } from '../../../../src/protocols/escl/walkup/support.js';
import { scanErrorOf } from '../../../helpers/scan-errors.js';

const NS = {
  wus: 'http://www.hp.com/schemas/imaging/con/ledm/walkupscan/2010/09/28',
  dd: 'http://www.hp.com/schemas/imaging/con/dictionaries/1.0/',
  dd3: 'http://www.hp.com/schemas/imaging/con/dictionaries/2009/04/06',
  ev: 'http://www.hp.com/schemas/imaging/con/ledm/events/2007/09/16',
  scantype: 'http://www.hp.com/schemas/imaging/con/ledm/scantype/2008/03/17',
};
const decl = Object.entries(NS)
  .map(([p, u]) => `xmlns:${p}="${u}"`)
  .join(' ');

// Shape of a captured OfficeJet event table: several categories, one ScanEvent with two payloads.
const eventTable = `<?xml version="1.0" encoding="UTF-8"?>
<!-- THIS DATA SUBJECT TO DISCLAIMER(S) INCLUDED WITH THE PRODUCT OF ORIGIN. -->
<ev:EventTable ${decl}>
  <dd:Version><dd:Revision>SVN.1000</dd:Revision></dd:Version>
  <ev:Event><dd:UnqualifiedEventCategory>DeviceCapabilitiesChanged</dd:UnqualifiedEventCategory><dd:AgingStamp>2-3</dd:AgingStamp></ev:Event>
  <ev:Event><dd:UnqualifiedEventCategory>AlertTableChanged</dd:UnqualifiedEventCategory><dd:AgingStamp>5-77</dd:AgingStamp>
    <ev:Payload><dd:ResourceURI>/DevMgmt/ProductStatusDyn.xml</dd:ResourceURI><dd:ResourceType>ledm:hpLedmProductStatusDyn</dd:ResourceType></ev:Payload></ev:Event>
  <ev:Event><dd:UnqualifiedEventCategory>ScanEvent</dd:UnqualifiedEventCategory><dd:AgingStamp>5-80</dd:AgingStamp>
    <ev:Payload><dd:ResourceURI>/WalkupScanToComp/WalkupScanToCompDestinations/0f6b0c1e-1111-4222-8333-944455556666</dd:ResourceURI><dd:ResourceType>wus:WalkupScanToCompDestination</dd:ResourceType></ev:Payload>
    <ev:Payload><dd:ResourceURI>/WalkupScanToComp/WalkupScanToCompEvent</dd:ResourceURI><dd:ResourceType>wus:WalkupScanToCompEvent</dd:ResourceType></ev:Payload>
  </ev:Event>
</ev:EventTable>`;

// Shape of a captured destination after a duplex SavePDF press (ResourceURI as an absolute URL on some models).
const destination = (uri: string, plex = 'Duplex', shortcut = 'SavePDF') => `<?xml version="1.0" encoding="UTF-8"?>
<wus:WalkupScanToCompDestination ${decl}>
  <dd:ResourceURI>${uri}</dd:ResourceURI>
  <dd:Name>Scan to HA</dd:Name>
  <dd3:Hostname>nas/scan2mqtt</dd3:Hostname>
  <wus:LinkType>Network</wus:LinkType>
  <wus:WalkupScanToCompSettings><scantype:ScanSettings><dd:ScanPlexMode>${plex}</dd:ScanPlexMode></scantype:ScanSettings><wus:Shortcut>${shortcut}</wus:Shortcut></wus:WalkupScanToCompSettings>
</wus:WalkupScanToCompDestination>`;

const caps = `<?xml version="1.0" encoding="UTF-8"?><!---->
<wus:WalkupScanToCompCaps ${decl}><dd:Version><dd:Revision>SVN-IPG-LEDM.100</dd:Revision></dd:Version>
<wus:MaxNetworkDestinations>15</wus:MaxNetworkDestinations><wus:SupportsMultiItemScanFromPlaten>true</wus:SupportsMultiItemScanFromPlaten>
<wus:UserActionTimeout><dd:ValueFloat>60</dd:ValueFloat><dd:Unit>seconds</dd:Unit></wus:UserActionTimeout>
<wus:ShortcutSupport access="readOnly"><wus:Shortcut>SavePDF</wus:Shortcut><wus:Shortcut>SaveJPEG</wus:Shortcut><wus:Shortcut>GeneralScan</wus:Shortcut></wus:ShortcutSupport></wus:WalkupScanToCompCaps>`;
// One captured caps document declares no namespaces at all.
const capsWithoutDeclarations = `<!----><wus:WalkupScanToCompCaps><wus:MaxNetworkDestinations>15</wus:MaxNetworkDestinations></wus:WalkupScanToCompCaps>`;

describe('event table', () => {
  it('finds the ScanEvent with its destination and dialogue resource, skipping other categories', () => {
    expect(parseEventTable(eventTable)).toEqual([
      { agingStamp: '5-80', destinationPath: '/WalkupScanToComp/WalkupScanToCompDestinations/0f6b0c1e-1111-4222-8333-944455556666', compEventPath: '/WalkupScanToComp/WalkupScanToCompEvent' },
    ]);
  });

  it('a ScanEvent of the older WalkupScan flow or pointing outside the walk-up resources names no destination', () => {
    const old = eventTable.replace(/\/WalkupScanToComp\/WalkupScanToCompDestinations\/[0-9a-f-]+/, '/WalkupScan/WalkupScanDestinations/1').replace('wus:WalkupScanToCompDestination<', 'wus:WalkupScanDestination<');
    expect(parseEventTable(old)).toEqual([]);
    const elsewhere = eventTable.replace('/WalkupScanToComp/WalkupScanToCompDestinations/0f6b', '/WalkupScanToComp/../../etc/0f6b');
    expect(parseEventTable(elsewhere)).toEqual([]);
  });

  it(`refuses more than ${MAX_TABLE_EVENTS} events`, () => {
    const many = (n: number) => `<ev:EventTable ${decl}>${'<ev:Event><dd:UnqualifiedEventCategory>JobEvent</dd:UnqualifiedEventCategory><dd:AgingStamp>1</dd:AgingStamp></ev:Event>'.repeat(n)}</ev:EventTable>`;
    expect(parseEventTable(many(MAX_TABLE_EVENTS))).toEqual([]);
    expect(scanErrorOf(() => parseEventTable(many(MAX_TABLE_EVENTS + 1))).code).toBe('ProtocolError');
  });

  it('refuses a wrong root, DTDs and oversized documents', () => {
    expect(scanErrorOf(() => parseEventTable(caps)).code).toBe('ProtocolError');
    expect(scanErrorOf(() => parseEventTable(`<!DOCTYPE x [<!ENTITY a "b">]>${eventTable}`)).code).toBe('ProtocolError');
    expect(scanErrorOf(() => parseEventTable(`<ev:EventTable ${decl}>${' '.repeat(MAX_XML_BYTES)}</ev:EventTable>`)).code).toBe('ProtocolError');
  });
});

describe('destinations', () => {
  it('reads the panel choices of a pressed destination, with a relative or absolute ResourceURI', () => {
    expect(parseDestination(destination('/WalkupScanToComp/WalkupScanToCompDestinations/abc-1'))).toEqual({
      path: '/WalkupScanToComp/WalkupScanToCompDestinations/abc-1',
      name: 'Scan to HA',
      hostname: 'nas/scan2mqtt',
      plexMode: 'duplex',
      shortcut: 'SavePDF',
    });
    expect(parseDestination(destination('http://192.0.2.5:80/WalkupScanToComp/WalkupScanToCompDestinations/abc-1', 'Simplex', 'SavePhoto1'))).toMatchObject({ path: '/WalkupScanToComp/WalkupScanToCompDestinations/abc-1', plexMode: 'simplex', shortcut: 'SavePhoto1' });
  });

  it('a list skips entries without a name or a usable path, and keeps the rest', () => {
    const entry = (inner: string) => `<wus:WalkupScanToCompDestination>${inner}</wus:WalkupScanToCompDestination>`;
    const list = `<wus:WalkupScanToCompDestinations ${decl}>${entry('<dd:ResourceURI>/WalkupScanToComp/WalkupScanToCompDestinations/a</dd:ResourceURI><dd:Name>PC</dd:Name><dd3:Hostname>PC</dd3:Hostname>')}${entry('<dd:ResourceURI>/WalkupScanToComp/WalkupScanToCompDestinations/b</dd:ResourceURI>')}${entry('<dd:ResourceURI>/Other/x</dd:ResourceURI><dd:Name>X</dd:Name>')}</wus:WalkupScanToCompDestinations>`;
    expect(parseDestinationList(list)).toEqual([{ path: '/WalkupScanToComp/WalkupScanToCompDestinations/a', name: 'PC', hostname: 'PC' }]);
  });

  it('odd panel values are left out, not invented', () => {
    const odd = parseDestination(destination('/WalkupScanToComp/WalkupScanToCompDestinations/a', 'Triplex', 'Save<PDF>'.replace(/[<>]/g, '')).replace('SavePDF', 'a b'));
    expect(odd.plexMode).toBeUndefined();
    expect(odd.shortcut).toBeUndefined();
  });

  it('the registration body carries Name, Hostname and LinkType in their namespaces, escaped and bounded', () => {
    const xml = buildDestinationXml('Scan <to> & HA', 'nas/scan2mqtt');
    expect(xml).toContain(`<WalkupScanToCompDestination xmlns="${NS.wus}">`);
    expect(xml).toContain(`<Name xmlns="${NS.dd}">Scan &lt;to&gt; &amp; HA</Name>`);
    expect(xml).toContain(`<Hostname xmlns="${NS.dd3}">nas/scan2mqtt</Hostname>`);
    expect(xml).toContain('<LinkType>Network</LinkType>');
    const long = buildDestinationXml('x'.repeat(MAX_DESTINATION_LABEL_CHARS + 10), 'h');
    expect(long).toContain(`>${'x'.repeat(MAX_DESTINATION_LABEL_CHARS)}</Name>`);
    expect(long).not.toContain('x'.repeat(MAX_DESTINATION_LABEL_CHARS + 1));
    expect(scanErrorOf(() => buildDestinationXml(' \u0001 ', 'h')).code).toBe('ProtocolError');
  });
});

describe('dialogue state and capabilities', () => {
  it('reads each dialogue state and calls anything else other', () => {
    const comp = (type: string) => `<wus:WalkupScanToCompEvent xmlns:wus="${NS.wus}"><wus:WalkupScanToCompEventType>${type}</wus:WalkupScanToCompEventType></wus:WalkupScanToCompEvent>`;
    for (const type of ['HostSelected', 'ScanRequested', 'ScanNewPageRequested', 'ScanPagesComplete'] as const) expect(parseCompEvent(comp(type))).toBe(type);
    expect(parseCompEvent(comp('Bogus'))).toBe('other');
  });

  it('reads the destination limit and shortcuts, also from a document without namespace declarations', () => {
    expect(parseWalkupCaps(caps)).toEqual({ maxDestinations: 15, shortcuts: ['SavePDF', 'SaveJPEG', 'GeneralScan'] });
    expect(parseWalkupCaps(capsWithoutDeclarations)).toEqual({ maxDestinations: 15, shortcuts: [] });
    expect(parseWalkupCaps(caps.replace('>15<', '>-3<')).maxDestinations).toBeUndefined();
  });
});

describe('resource paths from the device', () => {
  it('keeps walk-up paths, refuses the rest', () => {
    expect(walkupResourcePath('http://[fe80::1]:80/WalkupScanToComp/WalkupScanToCompDestinations/a/', 'x')).toBe('/WalkupScanToComp/WalkupScanToCompDestinations/a');
    for (const bad of ['', '/', '/DevMgmt/x', '/WalkupScanToComp/../eSCL/ScanJobs', '/WalkupScanToComp/a b', `/WalkupScanToComp/${'a'.repeat(MAX_RESOURCE_PATH_CHARS)}`]) {
      expect(scanErrorOf(() => walkupResourcePath(bad, 'x')).code).toBe('ProtocolError');
    }
    expect(walkupResourcePath(`/WalkupScanToComp/${'a'.repeat(MAX_RESOURCE_PATH_CHARS - 18)}`, 'x')).toHaveLength(MAX_RESOURCE_PATH_CHARS);
  });
});

describe('panel choices', () => {
  const caps: ScannerCapabilities = {
    protocol: 'escl',
    sources: {
      platen: { resolutions: [100, 200, 300, 600], color_modes: ['color', 'gray'], formats: ['jpeg', 'pdf'] },
      adf: { resolutions: [100, 200, 300], color_modes: ['color', 'gray'], formats: ['jpeg', 'pdf'] },
    },
  } as ScannerCapabilities;
  const profile = { source: 'platen' as const, resolution: 600, color_mode: 'gray' as const, format: 'pdf' as const, region: { x: 0, y: 0, width: 210, height: 297 } };

  it('feeder when it holds paper, platen otherwise; duplex from ScanPlexMode; document or photo from the shortcut', () => {
    expect(walkupDeviceJob({ name: 'a', plexMode: 'duplex', shortcut: 'SaveJPEG' }, 'loaded')).toEqual({ protocol: 'hp_walkup', source: 'adf_duplex', content: 'photo', shortcut: 'SaveJPEG' });
    expect(walkupDeviceJob({ name: 'a', plexMode: 'duplex' }, 'empty')).toEqual({ protocol: 'hp_walkup', source: 'platen' });
    expect(walkupDeviceJob({ name: 'a', shortcut: 'SaveDocument1' }, null)).toMatchObject({ source: 'platen', content: 'document' });
    expect(contentOfShortcut('GeneralScan')).toBeUndefined();
  });

  it('merges the source (duplex falling back to simplex), colour for a photo, and a resolution the source has', () => {
    expect(mergeWalkupChoices(profile, { source: 'adf_duplex', content: 'photo' }, caps)).toEqual({ ...profile, source: 'adf', color_mode: 'color', resolution: 300 });
    expect(mergeWalkupChoices(profile, { source: 'platen', content: 'document' }, caps)).toEqual(profile);
  });

  it('reads only walk-up deviceJobs back', () => {
    expect(walkupChoicesOf({ protocol: 'wsd', scanIdentifier: 'x' })).toBeUndefined();
    expect(walkupChoicesOf({ protocol: 'hp_walkup', source: 'tray' })).toBeUndefined();
    expect(walkupChoicesOf(undefined)).toBeUndefined();
    expect(walkupChoicesOf({ protocol: 'hp_walkup', source: 'adf', content: 'poster' })).toEqual({ source: 'adf' });
  });

  it('HP makes (also without "HP" in them) and the origins to ask', () => {
    expect(isHpDevice('OfficeJet Pro 6978 All-in-One')).toBe(true);
    expect(isHpDevice('HP Color LaserJet MFP M283fdw')).toBe(true);
    expect(isHpDevice('Brother MFC-L2710DW')).toBe(false);
    expect(walkupOrigins('http://192.0.2.5:8080/eSCL/')).toEqual(['http://192.0.2.5:8080/', 'http://192.0.2.5/']);
    expect(walkupOrigins('http://192.0.2.5/eSCL')).toEqual(['http://192.0.2.5/']);
  });
});

describe('fuzz: walk-up parsers throw nothing but ScanError', () => {
  const parsers = [parseEventTable, parseDestination, parseDestinationList, parseCompEvent, parseWalkupCaps];
  const only = (text: string) => {
    for (const parse of parsers) {
      try {
        parse(text);
      } catch (error) {
        expect(error).toBeInstanceOf(ScanError);
      }
    }
  };
  it('random strings', () => fc.assert(fc.property(fc.string({ maxLength: 300 }), only), { numRuns: 300 }));
  it('mutations of real-shaped documents', () => {
    const docs = [eventTable, destination('/WalkupScanToComp/WalkupScanToCompDestinations/a'), caps];
    fc.assert(
      fc.property(fc.nat(2), fc.nat(3000), fc.nat(100), fc.string({ maxLength: 20 }), (which, at, cut, insert) => {
        const doc = docs[which] as string;
        const i = at % doc.length;
        only(doc.slice(0, i) + insert + doc.slice(Math.min(doc.length, i + cut)));
      }),
      { numRuns: 400 },
    );
  });
  it('resource URIs become walk-up paths or a ProtocolError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (uri) => {
        try {
          expect(walkupResourcePath(uri, 'x')).toMatch(/^\/(WalkupScanToComp|EventMgmt)\/[A-Za-z0-9._~\-/]*$/);
        } catch (error) {
          expect(error).toBeInstanceOf(ScanError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
