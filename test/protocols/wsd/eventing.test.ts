/**
 * WS-Eventing codec and WS-Scan notifications on messages shaped as the specifications and
 * real devices write them (different prefixes, the 2006/08 scan namespace, faults with HTTP
 * 200), and on hostile and fuzzed input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../../src/core/errors.js';
import {
  buildGetStatus,
  buildRenew,
  buildSubscribe,
  buildUnsubscribe,
  DEVPROF_ACTION_DIALECT,
  MAX_DESTINATIONS,
  MAX_EVENTING_TOKEN_CHARS,
  parseGetStatusResponse,
  parseRenewResponse,
  parseSubscribeResponse,
  parseUnsubscribeResponse,
} from '../../../src/protocols/wsd/eventing.js';
import { parseNotification, SCAN_AVAILABLE_ACTION } from '../../../src/protocols/wsd/scan-events.js';
import { MAX_EXPIRES_MS, parseExpires } from '../../../src/protocols/wsd/xs-duration.js';
import { nsChild, nsText, parseNsXml } from '../../../src/xml/namespaced-xml.js';
import { expectOnlyScanErrors, scanErrorOf } from '../../helpers/scan-errors.js';

const SOAP = 'http://www.w3.org/2003/05/soap-envelope';
const WSA = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
const WSE = 'http://schemas.xmlsoap.org/ws/2004/08/eventing';
const SCAN = 'http://schemas.microsoft.com/windows/2006/08/wdp/scan';
/** An envelope with the prefixes a device picks (`s`, `a`, `e`, `sc`) and an optional header. */
const env = (body: string, header = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${SOAP}" xmlns:a="${WSA}" xmlns:e="${WSE}" xmlns:sc="${SCAN}"><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
const NOW = Date.parse('2024-05-01T10:00:00Z');

const subscribeResponse = (expires = 'PT1H', extra = '') =>
  env(
    `<e:SubscribeResponse><e:SubscriptionManager><a:Address>http://192.0.2.8:8018/wsd/scan</a:Address><a:ReferenceParameters><e:Identifier>urn:uuid:6f3b0000-0000-4000-8000-0000000000e1</e:Identifier></a:ReferenceParameters></e:SubscriptionManager>` +
      `<e:Expires>${expires}</e:Expires><sc:DestinationResponses>` +
      `<sc:DestinationResponse><sc:ClientContext>scan2mqtt:aaa</sc:ClientContext><sc:DestinationToken>Client_1</sc:DestinationToken></sc:DestinationResponse>` +
      `<sc:DestinationResponse><sc:ClientContext>scan2mqtt:bbb</sc:ClientContext><sc:DestinationToken>Client_2</sc:DestinationToken></sc:DestinationResponse>` +
      `${extra}</sc:DestinationResponses></e:SubscribeResponse>`,
    `<a:Action>${WSE}/SubscribeResponse</a:Action>`,
  );

describe('WS-Eventing requests', () => {
  it('Subscribe: schema order, push delivery to the sink, the devprof action filter and one ScanDestination per button', () => {
    const { xml } = buildSubscribe({
      serviceUrl: 'http://192.0.2.8:8018/wsd/scan',
      notifyTo: 'http://192.0.2.2:40111/scan2mqtt/wsd-events/x',
      actions: [SCAN_AVAILABLE_ACTION],
      expiresS: 3600,
      destinations: [
        { clientDisplayName: 'Scan to HA', clientContext: 'scan2mqtt:aaa' },
        { clientDisplayName: 'Büro & <Archiv>', clientContext: 'scan2mqtt:bbb' },
      ],
    });
    const root = parseNsXml(xml, 'subscribe');
    const header = nsChild(root, SOAP, 'Header');
    expect(nsText(header, WSA, 'Action')).toBe(`${WSE}/Subscribe`);
    expect(nsText(header, WSA, 'To')).toBe('http://192.0.2.8:8018/wsd/scan');
    const subscribe = nsChild(nsChild(root, SOAP, 'Body'), WSE, 'Subscribe')!;
    expect(subscribe.children.map((c) => `${c.ns === SCAN ? 'scan' : 'wse'}:${c.name}`)).toEqual(['wse:EndTo', 'wse:Delivery', 'wse:Expires', 'wse:Filter', 'scan:ScanDestinations']);
    expect(nsChild(subscribe, WSE, 'Delivery')?.attrs.Mode).toBe(`${WSE}/DeliveryModes/Push`);
    expect(nsText(nsChild(nsChild(subscribe, WSE, 'Delivery'), WSE, 'NotifyTo'), WSA, 'Address')).toBe('http://192.0.2.2:40111/scan2mqtt/wsd-events/x');
    expect(nsText(subscribe, WSE, 'Expires')).toBe('PT3600S');
    expect(nsChild(subscribe, WSE, 'Filter')?.attrs.Dialect).toBe(DEVPROF_ACTION_DIALECT);
    expect(nsText(subscribe, WSE, 'Filter')).toBe(`${SCAN}/ScanAvailableEvent`);
    const destinations = nsChild(subscribe, SCAN, 'ScanDestinations')!.children;
    expect(destinations.map((d) => [nsText(d, SCAN, 'ClientDisplayName'), nsText(d, SCAN, 'ClientContext')])).toEqual([
      ['Scan to HA', 'scan2mqtt:aaa'],
      ['Büro & <Archiv>', 'scan2mqtt:bbb'],
    ]);
  });

  it('Subscribe for status events: several actions in one filter, no ScanDestinations and no scan prefix', () => {
    const { xml } = buildSubscribe({ serviceUrl: 'http://h/WDP/SCAN', notifyTo: 'http://c/e', actions: [`${SCAN}/ScannerStatusSummaryEvent`, `${SCAN}/ScannerStatusConditionEvent`], expiresS: 60 });
    expect(xml).not.toContain('ScanDestinations');
    expect(xml).not.toContain('xmlns:wscn');
    expect(nsText(nsChild(nsChild(parseNsXml(xml, 's'), SOAP, 'Body'), WSE, 'Subscribe'), WSE, 'Filter')).toBe(`${SCAN}/ScannerStatusSummaryEvent ${SCAN}/ScannerStatusConditionEvent`);
  });

  it('Renew, GetStatus and Unsubscribe go to the manager with its Identifier in the header', () => {
    const grant = { managerUrl: 'http://192.0.2.8:8018/wsd/scan/sub', identifier: 'urn:uuid:1' };
    for (const [request, op] of [
      [buildRenew(grant, 1800), 'Renew'],
      [buildGetStatus(grant), 'GetStatus'],
      [buildUnsubscribe(grant), 'Unsubscribe'],
    ] as const) {
      const root = parseNsXml(request.xml, op);
      const header = nsChild(root, SOAP, 'Header');
      expect(nsText(header, WSA, 'Action')).toBe(`${WSE}/${op}`);
      expect(nsText(header, WSA, 'To')).toBe(grant.managerUrl);
      expect(nsText(header, WSE, 'Identifier')).toBe('urn:uuid:1');
      expect(nsChild(nsChild(root, SOAP, 'Body'), WSE, op)).toBeDefined();
    }
    expect(buildRenew(grant, 1800).xml).toContain('<wse:Expires>PT1800S</wse:Expires>');
    expect(buildRenew({ managerUrl: 'http://h/' }, 10).xml).not.toContain('Identifier');
  });
});

describe('WS-Eventing responses', () => {
  it('SubscribeResponse: manager EPR with Identifier, lifetime, and the ClientContext → DestinationToken map', () => {
    const grant = parseSubscribeResponse(subscribeResponse(), NOW);
    expect(grant).toEqual({
      managerUrl: 'http://192.0.2.8:8018/wsd/scan',
      identifier: 'urn:uuid:6f3b0000-0000-4000-8000-0000000000e1',
      expiresMs: 3_600_000,
      tokens: new Map([
        ['scan2mqtt:aaa', 'Client_1'],
        ['scan2mqtt:bbb', 'Client_2'],
      ]),
    });
  });

  it('Expires as an absolute dateTime, or absent', () => {
    expect(parseSubscribeResponse(subscribeResponse('2024-05-01T10:30:00Z'), NOW).expiresMs).toBe(1_800_000);
    expect(parseSubscribeResponse(subscribeResponse(''), NOW).expiresMs).toBeUndefined();
    expect(scanErrorOf(() => parseSubscribeResponse(subscribeResponse('soon'), NOW)).message).toMatch(/unreadable Expires/);
  });

  it('Renew and GetStatus responses give the new lifetime; an empty Unsubscribe response is fine', () => {
    expect(parseRenewResponse(env(`<e:RenewResponse><e:Expires>PT30M</e:Expires></e:RenewResponse>`), NOW)).toBe(1_800_000);
    expect(parseGetStatusResponse(env(`<e:GetStatusResponse><e:Expires>PT59M58S</e:Expires></e:GetStatusResponse>`), NOW)).toBe(3_598_000);
    expect(() => parseUnsubscribeResponse(env(''))).not.toThrow();
    expect(() => parseUnsubscribeResponse('')).not.toThrow();
  });

  it('a fault sent with HTTP 200 is thrown as the device sent it; wrong bodies are ProtocolErrors', () => {
    const fault = env(`<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>e:UnableToRenew</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">unknown</s:Text></s:Reason></s:Fault>`);
    const error = scanErrorOf(() => parseRenewResponse(fault));
    expect((error as ScanError & { fault?: { subcode?: string } }).fault?.subcode).toBe('UnableToRenew');
    expect(scanErrorOf(() => parseSubscribeResponse(env('<e:RenewResponse/>'))).message).toMatch(/unexpected response body/);
    expect(scanErrorOf(() => parseSubscribeResponse(env('<e:SubscribeResponse><e:Expires>PT1H</e:Expires></e:SubscribeResponse>'))).message).toMatch(/SubscriptionManager/);
    const notHttp = subscribeResponse().replace('http://192.0.2.8:8018/wsd/scan', 'file:///etc/passwd');
    expect(scanErrorOf(() => parseSubscribeResponse(notHttp)).message).toMatch(/SubscriptionManager/);
  });

  it('bounds: destinations past the limit and over-long tokens are dropped, an over-long Identifier refused', () => {
    const many = Array.from({ length: MAX_DESTINATIONS + 10 }, (_, i) => `<sc:DestinationResponse><sc:ClientContext>c${i}</sc:ClientContext><sc:DestinationToken>t${i}</sc:DestinationToken></sc:DestinationResponse>`).join('');
    expect(parseSubscribeResponse(subscribeResponse('PT1H', many)).tokens.size).toBe(MAX_DESTINATIONS);
    const long = 'x'.repeat(MAX_EVENTING_TOKEN_CHARS + 1);
    const longToken = `<sc:DestinationResponse><sc:ClientContext>long</sc:ClientContext><sc:DestinationToken>${long}</sc:DestinationToken></sc:DestinationResponse>`;
    expect(parseSubscribeResponse(subscribeResponse('PT1H', longToken)).tokens.has('long')).toBe(false);
    expect(scanErrorOf(() => parseSubscribeResponse(subscribeResponse().replace('urn:uuid:6f3b0000-0000-4000-8000-0000000000e1', long))).message).toMatch(/Identifier/);
  });
});

describe('xs:duration and dateTime lifetimes', () => {
  it('reads the forms devices send and caps what no device means', () => {
    expect(parseExpires('PT1H', NOW)).toBe(3_600_000);
    expect(parseExpires('P1DT2H', NOW)).toBe(26 * 3_600_000);
    expect(parseExpires('PT0.5S', NOW)).toBe(500);
    expect(parseExpires(' PT10M ', NOW)).toBe(600_000);
    expect(parseExpires('2024-05-01T09:00:00Z', NOW)).toBe(0);
    expect(parseExpires('2024-05-01T12:00:00+02:00', NOW)).toBe(0);
    expect(parseExpires('2024-05-01T11:00:00', NOW)).toBe(3_600_000);
    expect(parseExpires('P9999Y', NOW)).toBe(MAX_EXPIRES_MS);
    for (const bad of ['', 'P', 'PT', '1H', 'PT-1H', 'P1H', 'tomorrow', 'P'.padEnd(100, '1')]) expect(parseExpires(bad, NOW)).toBeUndefined();
  });
});

const scanAvailable = (inner: string) => env(`<sc:ScanAvailableEvent>${inner}</sc:ScanAvailableEvent>`, `<a:Action>${SCAN}/ScanAvailableEvent</a:Action><a:To>http://192.0.2.2:5357/x</a:To>`);

describe('WS-Scan notifications', () => {
  it('ScanAvailableEvent: the context and ScanIdentifier, and the panel’s InputSource when sent', () => {
    expect(parseNotification(scanAvailable('<sc:ClientContext>scan2mqtt:aaa</sc:ClientContext><sc:ScanIdentifier>uuid:1234</sc:ScanIdentifier>'))).toEqual({ kind: 'scan_available', clientContext: 'scan2mqtt:aaa', scanIdentifier: 'uuid:1234' });
    expect(parseNotification(scanAvailable('<sc:ClientContext>c</sc:ClientContext><sc:ScanIdentifier>s</sc:ScanIdentifier><sc:InputSource>ADFDuplex</sc:InputSource>'))).toMatchObject({ inputSource: 'adf_duplex' });
    expect(parseNotification(scanAvailable('<sc:ClientContext>c</sc:ClientContext><sc:ScanIdentifier>s</sc:ScanIdentifier><sc:InputSource>Film</sc:InputSource>'))).not.toHaveProperty('inputSource');
  });

  it('ScanAvailableEvent without a context or identifier, or with huge ones, is refused', () => {
    expect(scanErrorOf(() => parseNotification(scanAvailable('<sc:ScanIdentifier>s</sc:ScanIdentifier>'))).message).toMatch(/ClientContext/);
    expect(scanErrorOf(() => parseNotification(scanAvailable('<sc:ClientContext>c</sc:ClientContext>'))).message).toMatch(/ScanIdentifier/);
    const huge = 'x'.repeat(MAX_EVENTING_TOKEN_CHARS + 1);
    expect(scanErrorOf(() => parseNotification(scanAvailable(`<sc:ClientContext>c</sc:ClientContext><sc:ScanIdentifier>${huge}</sc:ScanIdentifier>`))).code).toBe('ProtocolError');
  });

  it('ScannerStatusSummaryEvent (the spec example: stopped by a jam) becomes a status', () => {
    const xml = env(`<sc:ScannerStatusSummaryEvent><sc:StatusSummary><sc:ScannerState>Stopped</sc:ScannerState><sc:ScannerStateReasons><sc:ScannerStateReason>MediaJam</sc:ScannerStateReason></sc:ScannerStateReasons></sc:StatusSummary></sc:ScannerStatusSummaryEvent>`);
    expect(parseNotification(xml)).toEqual({ kind: 'status_summary', status: { status: { state: 'stopped', adf: 'jam', reasons: ['MediaJam'] }, conditions: [] } });
    expect(scanErrorOf(() => parseNotification(env('<sc:ScannerStatusSummaryEvent/>'))).code).toBe('ProtocolError');
  });

  it('condition events, JobEndStateEvent, SubscriptionEnd and unknown events', () => {
    const condition = env(`<sc:ScannerStatusConditionEvent><sc:DeviceCondition><sc:Id>7</sc:Id><sc:Time>2024-05-01T10:00:00Z</sc:Time><sc:Name>InputTrayEmpty</sc:Name><sc:Component>ADF</sc:Component><sc:Severity>Informational</sc:Severity></sc:DeviceCondition></sc:ScannerStatusConditionEvent>`);
    expect(parseNotification(condition)).toEqual({ kind: 'condition', condition: { name: 'InputTrayEmpty', component: 'ADF', severity: 'Informational' } });
    expect(parseNotification(env(`<sc:ScannerStatusConditionClearedEvent><sc:DeviceConditionCleared><sc:ConditionId>7</sc:ConditionId></sc:DeviceConditionCleared></sc:ScannerStatusConditionClearedEvent>`))).toEqual({ kind: 'condition_cleared', conditionId: '7' });
    expect(parseNotification(env(`<sc:JobEndStateEvent><sc:JobEndState><sc:JobId>12</sc:JobId><sc:JobCompletedState>Canceled</sc:JobCompletedState></sc:JobEndState></sc:JobEndStateEvent>`))).toEqual({ kind: 'job_end', jobId: '12', state: 'Canceled' });
    const end = env(`<e:SubscriptionEnd><e:SubscriptionManager><a:Address>http://h/m</a:Address><a:ReferenceParameters><e:Identifier>urn:uuid:9</e:Identifier></a:ReferenceParameters></e:SubscriptionManager><e:Status>${WSE}/SourceShuttingDown</e:Status></e:SubscriptionEnd>`);
    expect(parseNotification(end)).toEqual({ kind: 'subscription_end', managerUrl: 'http://h/m', identifier: 'urn:uuid:9', status: `${WSE}/SourceShuttingDown`.slice(0, 64) });
    expect(parseNotification(env('<sc:ScannerElementsChangeEvent/>', `<a:Action>${SCAN}/ScannerElementsChangeEvent</a:Action>`))).toEqual({ kind: 'other', action: `${SCAN}/ScannerElementsChangeEvent` });
    expect(scanErrorOf(() => parseNotification(env(''))).message).toMatch(/empty SOAP Body/);
  });
});

describe('hostile and fuzzed eventing input', () => {
  const valid = [subscribeResponse(), scanAvailable('<sc:ClientContext>c</sc:ClientContext><sc:ScanIdentifier>s</sc:ScanIdentifier>'), env('<e:RenewResponse><e:Expires>PT1H</e:Expires></e:RenewResponse>')];
  const parsers: ((xml: string) => unknown)[] = [parseSubscribeResponse, parseRenewResponse, parseGetStatusResponse, parseUnsubscribeResponse, parseNotification];
  const onlyScanErrors = (xml: string) => expectOnlyScanErrors(parsers, xml);

  it('entity tricks, truncation and non-SOAP bodies are ProtocolErrors', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>${scanAvailable('<sc:ClientContext>&a;</sc:ClientContext><sc:ScanIdentifier>s</sc:ScanIdentifier>')}`;
    expect(scanErrorOf(() => parseNotification(bomb)).code).toBe('ProtocolError');
    for (const xml of valid) for (const cut of [1, 40, xml.length - 10]) onlyScanErrors(xml.slice(0, cut));
    for (const text of ['{"ClientContext":"c"}', '<html/>', '\u0000\u0001']) expect(scanErrorOf(() => parseNotification(text)).code).toBe('ProtocolError');
  });

  it('random text and mutated real-shaped messages never throw anything but a ScanError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (text) => onlyScanErrors(text)), { numRuns: 300 });
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), fc.string({ maxLength: 20 }), (xml, at, insert) => {
        const i = at % xml.length;
        onlyScanErrors(xml.slice(0, i) + insert + xml.slice(i + 1));
      }),
      { numRuns: 500 },
    );
  });
});
