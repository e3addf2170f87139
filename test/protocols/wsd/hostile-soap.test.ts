import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MATCHES, MAX_XADDRS, parseDiscoveryMessage } from '../../../src/protocols/wsd/discovery/codec.js';
import { MAX_LIST_ENTRIES, parseScannerElements, readScannerConfiguration } from '../../../src/protocols/wsd/capabilities.js';
import { MAX_FAULT_REASON_CHARS, faultToError, readFault } from '../../../src/protocols/wsd/faults.js';
import { MAX_HOSTED_SERVICES, MAX_IDENTITY_CHARS, MAX_SERVICE_ADDRESSES, parseMetadataResponse } from '../../../src/protocols/wsd/metadata.js';
import { MAX_JOB_TOKEN_CHARS, parseCreateScanJobResponse, parseGetActiveJobsResponse, parseValidateScanTicketResponse } from '../../../src/protocols/wsd/scan-ops.js';
import { parseSoapEnvelope } from '../../../src/protocols/wsd/soap.js';
import { MAX_STATUS_ENTRIES, readScannerStatus } from '../../../src/protocols/wsd/status.js';
import { MAX_SOAP_XML_BYTES, MAX_SOAP_XML_DEPTH, parseNsXml } from '../../../src/xml/namespaced-xml.js';
import { expectOnlyScanErrors, scanErrorOf } from '../../helpers/scan-errors.js';
import { FIXTURES } from '../../helpers/fixtures.js';

const read = (name: string) => readFileSync(join(FIXTURES, 'wsd', name), 'utf8');
const elements = read('kyocera-ecosys-m2040dn-GetScannerElementsResponse.xml');
const metadata = read('kyocera-ecosys-m2040dn-TransferGetResponse-metadata.xml');
const probeMatches = read('kyocera-ecosys-m2040dn-ProbeMatches.xml');
const SOAP = 'http://www.w3.org/2003/05/soap-envelope';
const SCAN = 'http://schemas.microsoft.com/windows/2006/08/wdp/scan';
const env = (body: string, ns = '') => `<s:Envelope xmlns:s="${SOAP}" xmlns:w="${SCAN}" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/mex" xmlns:p="http://schemas.xmlsoap.org/ws/2006/02/devprof"${ns}><s:Body>${body}</s:Body></s:Envelope>`;

const parsers: ((xml: string) => unknown)[] = [
  parseMetadataResponse,
  (xml) => readScannerConfiguration(parseScannerElements(xml).get('ScannerConfiguration')),
  (xml) => readScannerStatus(parseScannerElements(xml).get('ScannerStatus')),
  parseCreateScanJobResponse,
  parseValidateScanTicketResponse,
  parseGetActiveJobsResponse,
  parseDiscoveryMessage,
  (xml) => readFault(parseSoapEnvelope(xml, 'x')),
];

/** Parsing either succeeds or throws a ScanError, never anything else. */
const onlyScanErrors = (xml: string) => expectOnlyScanErrors(parsers, xml);

describe('hostile and broken SOAP', () => {
  it('truncated documents, non-XML and non-SOAP bodies are ProtocolErrors', () => {
    for (const cut of [10, 500, 5000, elements.length - 30]) expect(scanErrorOf(() => parseScannerElements(elements.slice(0, cut))).code).toBe('ProtocolError');
    for (const text of ['', 'Service Unavailable', '{"a":1}', '<html><body>login</body></html>']) expect(scanErrorOf(() => parseMetadataResponse(text)).code).toBe('ProtocolError');
    expect(scanErrorOf(() => parseMetadataResponse(elements)).message).toMatch(/no mex:Metadata/);
    expect(scanErrorOf(() => parseScannerElements(metadata)).message).toMatch(/unexpected response body/);
  });

  it('the right names in a wrong namespace are refused', () => {
    const foreign = elements.replace(`xmlns:scan="${SCAN}"`, 'xmlns:scan="http://schemas.microsoft.com/windows/2006/01/wdp/scan"');
    expect(scanErrorOf(() => parseScannerElements(foreign)).code).toBe('ProtocolError');
    expect(scanErrorOf(() => parseSoapEnvelope(elements.replace(/http:\/\/www\.w3\.org\/2003\/05\/soap-envelope/, 'http://evil/'), 'x')).message).toMatch(/not a SOAP envelope/);
  });

  it('DOCTYPE, entity bombs, oversized and deeply nested documents are refused before parsing', () => {
    const bomb = `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>${env('<w:X>&b;</w:X>')}`;
    for (const parse of [parseMetadataResponse, parseDiscoveryMessage]) expect(scanErrorOf(() => parse(bomb)).message).toMatch(/DOCTYPE/);
    const huge = env(`<w:X>${'a'.repeat(MAX_SOAP_XML_BYTES)}</w:X>`);
    expect(scanErrorOf(() => parseDiscoveryMessage(huge)).message).toMatch(/larger than/);
    const deep = env(`${'<w:a>'.repeat(MAX_SOAP_XML_DEPTH)}${'</w:a>'.repeat(MAX_SOAP_XML_DEPTH)}`);
    expect(scanErrorOf(() => parseNsXml(deep, 'deep')).message).toMatch(/nested deeper/);
    const deepest = 100_000;
    expect(scanErrorOf(() => parseMetadataResponse(`${'<a>'.repeat(deepest)}${'</a>'.repeat(deepest)}`)).message).toMatch(/nested deeper/);
  });

  it('faults: SOAP 1.2 (any prefix), SOAP 1.1, the addressing fault action, bounded reason and subcode chain', () => {
    const fault = (subcode: string, reason = 'r') =>
      readFault(parseSoapEnvelope(env(`<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code><s:Reason><s:Text>${reason}</s:Text></s:Reason></s:Fault>`), 'f'))!;
    const code = (subcode: string) => faultToError(fault(subcode), 'Op').code;
    expect(code('w:ServerErrorNotAcceptingJobs')).toBe('DeviceBusy');
    expect(code('w:ClientErrorNoImagesAvailable')).toBe('AdfEmpty');
    expect(code('w:ClientErrorInvalidDetinationToken')).toBe('InvalidRequest');
    expect(code('a:ActionNotSupported')).toBe('ProtocolError');
    expect(code('w:ServerErrorInternalError')).toBe('DeviceError');
    expect(code('w:SomethingJammed')).toBe('AdfJam');
    expect(fault('undeclared:ServerErrorTemporaryError').subcode).toBe('ServerErrorTemporaryError');
    expect(fault('w:X', 'x'.repeat(5000)).reason?.length).toBe(MAX_FAULT_REASON_CHARS + 1);
    const nested = `<s:Fault><s:Code><s:Value>s:Sender</s:Value>${'<s:Subcode><s:Value>w:Deep</s:Value>'.repeat(20)}${'</s:Subcode>'.repeat(20)}</s:Code></s:Fault>`;
    expect(readFault(parseSoapEnvelope(env(nested), 'f'))?.subcodes).toHaveLength(8);
    const soap11 = `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><e:Fault><faultcode>e:Server</faultcode><faultstring>device busy</faultstring></e:Fault></e:Body></e:Envelope>`;
    expect(faultToError(readFault(parseSoapEnvelope(soap11, 'f'))!, 'Op').code).toBe('DeviceBusy');
    const actionOnly = `<s:Envelope xmlns:s="${SOAP}" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header><a:Action>http://schemas.xmlsoap.org/ws/2004/08/addressing/fault</a:Action></s:Header><s:Body/></s:Envelope>`;
    expect(readFault(parseSoapEnvelope(actionOnly, 'f'))).toBeDefined();
    // A fault with HTTP 200 is read before the success shape.
    expect(scanErrorOf(() => parseCreateScanJobResponse(env('<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:ClientErrorFormatNotSupported</s:Value></s:Subcode></s:Code></s:Fault>'))).code).toBe('InvalidRequest');
  });

  it('every list bound holds', () => {
    const hosted = `<p:Hosted><a:EndpointReference><a:Address>http://h/</a:Address></a:EndpointReference><p:Types>w:ScannerServiceType</p:Types></p:Hosted>`;
    const meta = parseMetadataResponse(env(`<x:Metadata><x:MetadataSection Dialect="http://schemas.xmlsoap.org/ws/2006/02/devprof/Relationship"><p:Relationship>${hosted.repeat(MAX_HOSTED_SERVICES + 5)}</p:Relationship></x:MetadataSection></x:Metadata>`));
    expect(meta.hosted).toHaveLength(MAX_HOSTED_SERVICES);
    const manyAddresses = `<p:Hosted>${Array.from({ length: 20 }, (_, i) => `<a:EndpointReference><a:Address>http://h${i}/</a:Address></a:EndpointReference>`).join('')}<p:Types>w:ScannerServiceType</p:Types></p:Hosted>`;
    expect(parseMetadataResponse(env(`<x:Metadata><x:MetadataSection Dialect="http://schemas.xmlsoap.org/ws/2006/02/devprof/Relationship"><p:Relationship>${manyAddresses}</p:Relationship></x:MetadataSection></x:Metadata>`)).scannerServiceUrls).toHaveLength(MAX_SERVICE_ADDRESSES);
    const longName = parseMetadataResponse(env(`<x:Metadata><x:MetadataSection Dialect="http://schemas.xmlsoap.org/ws/2006/02/devprof/ThisModel"><p:ThisModel><p:Manufacturer>${'M'.repeat(1000)}</p:Manufacturer></p:ThisModel></x:MetadataSection></x:Metadata>`));
    expect(longName.manufacturer).toHaveLength(MAX_IDENTITY_CHARS);
    const formats = Array.from({ length: 100 }, (_, i) => `<w:FormatValue>f${i}</w:FormatValue>`).join('');
    const config = parseNsXml(`<w:ScannerConfiguration xmlns:w="${SCAN}"><w:DeviceSettings><w:FormatsSupported>${formats}</w:FormatsSupported></w:DeviceSettings><w:Platen><w:PlatenMaximumSize><w:Width>1</w:Width><w:Height>1</w:Height></w:PlatenMaximumSize></w:Platen></w:ScannerConfiguration>`, 'c');
    expect(readScannerConfiguration(config).formats).toHaveLength(MAX_LIST_ENTRIES);
    const reasons = Array.from({ length: 100 }, (_, i) => `<w:ScannerStateReason>R${i}</w:ScannerStateReason>`).join('');
    expect(readScannerStatus(parseNsXml(`<w:ScannerStatus xmlns:w="${SCAN}"><w:ScannerState>Idle</w:ScannerState><w:ScannerStateReasons>${reasons}</w:ScannerStateReasons></w:ScannerStatus>`, 's')).status.reasons).toHaveLength(MAX_STATUS_ENTRIES);
    const match = probeMatches.slice(probeMatches.indexOf('<discovery:ProbeMatch>'), probeMatches.indexOf('</discovery:ProbeMatch>') + '</discovery:ProbeMatch>'.length);
    const flood = probeMatches.replace(match, match.repeat(MAX_MATCHES + 10));
    const msg = parseDiscoveryMessage(flood);
    expect(msg.kind === 'probe-matches' && msg.endpoints.length).toBe(MAX_MATCHES);
    const xaddrs = probeMatches.replace(/<discovery:XAddrs>[^<]*</, `<discovery:XAddrs>${Array.from({ length: 30 }, (_, i) => `http://10.0.0.${i}/`).join(' ')}<`);
    const many = parseDiscoveryMessage(xaddrs);
    expect(many.kind === 'probe-matches' && many.endpoints[0]?.xaddrs.length).toBe(MAX_XADDRS);
    const token = env(`<w:CreateScanJobResponse><w:JobId>1</w:JobId><w:JobToken>${'t'.repeat(MAX_JOB_TOKEN_CHARS + 1)}</w:JobToken></w:CreateScanJobResponse>`);
    expect(scanErrorOf(() => parseCreateScanJobResponse(token)).message).toMatch(/JobToken/);
  });

  it('fuzz: random text never throws anything but a ScanError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (text) => onlyScanErrors(text)), { numRuns: 300 });
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('<', '>', '/', 's:', 'w:', '=', '"', 'Envelope', 'Body', 'Fault', 'xmlns:s="http://www.w3.org/2003/05/soap-envelope"', ' ', 'a') , maxLength: 60 }), (text) => onlyScanErrors(text)), { numRuns: 500 });
  });

  it('fuzz: mutated real documents never throw anything but a ScanError', () => {
    const docs = [elements, metadata, probeMatches, read('wsdd/wsdd-0.7.0-Hello.xml')];
    fc.assert(
      fc.property(fc.constantFrom(...docs), fc.nat(), fc.nat({ max: 200 }), fc.string({ maxLength: 30 }), (doc, at, remove, insert) => {
        const i = at % doc.length;
        onlyScanErrors(doc.slice(0, i) + insert + doc.slice(i + remove));
      }),
      { numRuns: 400 },
    );
  });
});
