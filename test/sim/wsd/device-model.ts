/**
 * What one simulated WSD scanner is: identity, the ScannerConfiguration it reports, and its
 * documents in the shape of the real Kyocera M2040dn captures (../shared/fixtures/wsd).
 */
export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsd: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  devprof: 'http://schemas.xmlsoap.org/ws/2006/02/devprof',
  mex: 'http://schemas.xmlsoap.org/ws/2004/09/mex',
  scan: 'http://schemas.microsoft.com/windows/2006/08/wdp/scan',
  print: 'http://schemas.microsoft.com/windows/2006/08/wdp/print',
  pnpx: 'http://schemas.microsoft.com/windows/pnpx/2005/10',
  xop: 'http://www.w3.org/2004/08/xop/include',
} as const;

/** A simulated device; every field has a default in `defaultModel`. */
export interface SimWsdModel {
  /** Endpoint address, `urn:uuid:…` (Kyocera sends `uuid:…`). */
  endpointAddress: string;
  manufacturer: string;
  model: string;
  serial: string;
  firmware: string;
  /** Types announced in Probe matches and Hello. */
  types: string;
  /** False: a printer without a scanner service (only the print service is hosted). */
  hasScanner: boolean;
  metadataVersion: number;
  formats: string[];
  colors: string[];
  resolutions: number[];
  /** Maximum size in 1/1000 inch as the device reports it. */
  maxSize: { width: number; height: number };
  /** Report the maximum width and height swapped, as Kyocera does. */
  swapMaxSize: boolean;
  adf: boolean;
  duplex: boolean;
}

/** Defaults: a Kyocera-like MFP with platen and duplex ADF. */
export function defaultModel(overrides: Partial<SimWsdModel> = {}): SimWsdModel {
  return {
    endpointAddress: 'urn:uuid:5a1e0000-0000-4000-8000-00000000d5d1',
    manufacturer: 'SimWorks',
    model: 'WSD Sim 9000',
    serial: 'SIM0001',
    firmware: '1.0.0',
    types: 'devprof:Device scan:ScanDeviceType print:PrintDeviceType',
    hasScanner: true,
    metadataVersion: 1,
    formats: ['jfif', 'pdf-a', 'png'],
    colors: ['BlackAndWhite1', 'Grayscale8', 'RGB24'],
    resolutions: [75, 150, 300, 600],
    maxSize: { width: 8500, height: 11690 },
    swapMaxSize: true,
    adf: true,
    duplex: true,
    ...overrides,
  };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A SOAP 1.2 envelope with the prefixes the Kyocera captures use. */
export function envelope(action: string, relatesTo: string | undefined, body: string, extraHeader = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soap}" xmlns:addressing="${NS.wsa}" xmlns:discovery="${NS.wsd}" ` +
    `xmlns:devprof="${NS.devprof}" xmlns:metadata="${NS.mex}" xmlns:scan="${NS.scan}" xmlns:print="${NS.print}" xmlns:pnpx="${NS.pnpx}" xmlns:xop="${NS.xop}">` +
    `<SOAP-ENV:Header><addressing:MessageID>urn:uuid:${crypto.randomUUID()}</addressing:MessageID>` +
    (relatesTo ? `<addressing:RelatesTo>${esc(relatesTo)}</addressing:RelatesTo>` : '') +
    `<addressing:To>${NS.wsa}/role/anonymous</addressing:To><addressing:Action>${esc(action)}</addressing:Action>${extraHeader}</SOAP-ENV:Header>` +
    `<SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`
  );
}

/** The mex:Metadata body of a Transfer GetResponse. */
export function metadataBody(model: SimWsdModel, scanUrl: string, printUrl: string): string {
  const hosted = (url: string, types: string, id: string) =>
    `<devprof:Hosted><addressing:EndpointReference><addressing:Address>${esc(url)}</addressing:Address></addressing:EndpointReference>` +
    `<devprof:Types>${types}</devprof:Types><devprof:ServiceId>${esc(`${model.endpointAddress}/${id}`)}</devprof:ServiceId></devprof:Hosted>`;
  return (
    `<metadata:Metadata>` +
    `<metadata:MetadataSection Dialect="${NS.devprof}/ThisDevice"><devprof:ThisDevice><devprof:FriendlyName>${esc(`${model.manufacturer} ${model.model}`)}</devprof:FriendlyName>` +
    `<devprof:FirmwareVersion>${esc(model.firmware)}</devprof:FirmwareVersion><devprof:SerialNumber>${esc(model.serial)}</devprof:SerialNumber></devprof:ThisDevice></metadata:MetadataSection>` +
    `<metadata:MetadataSection Dialect="${NS.devprof}/ThisModel"><devprof:ThisModel><devprof:Manufacturer>${esc(model.manufacturer)}</devprof:Manufacturer>` +
    `<devprof:ModelName>${esc(model.model)}</devprof:ModelName><devprof:PresentationUrl>${esc(new URL(scanUrl).origin)}/</devprof:PresentationUrl>` +
    `<pnpx:DeviceCategory>MFP</pnpx:DeviceCategory></devprof:ThisModel></metadata:MetadataSection>` +
    `<metadata:MetadataSection Dialect="${NS.devprof}/Relationship"><devprof:Relationship Type="${NS.devprof}/host">` +
    (model.hasScanner ? hosted(scanUrl, 'scan:ScannerServiceType', 'WSDScanner') : '') +
    hosted(printUrl, 'print:PrinterServiceType', 'WSDPrinter') +
    `</devprof:Relationship></metadata:MetadataSection></metadata:Metadata>`
  );
}

/** The mex:Metadata body of the scan service's GetMetadata response: its Relationship names the hosting device. */
export function serviceMetadataBody(model: SimWsdModel, scanUrl: string): string {
  return (
    `<metadata:Metadata><metadata:MetadataSection Dialect="${NS.devprof}/Relationship"><devprof:Relationship Type="${NS.devprof}/host">` +
    `<devprof:Host><addressing:EndpointReference><addressing:Address>${esc(model.endpointAddress)}</addressing:Address></addressing:EndpointReference>` +
    `<devprof:Types>devprof:Device scan:ScanDeviceType</devprof:Types></devprof:Host>` +
    `<devprof:Hosted><addressing:EndpointReference><addressing:Address>${esc(scanUrl)}</addressing:Address></addressing:EndpointReference>` +
    `<devprof:Types>scan:ScannerServiceType</devprof:Types><devprof:ServiceId>${esc(`${model.endpointAddress}/WSDScanner`)}</devprof:ServiceId></devprof:Hosted>` +
    `</devprof:Relationship></metadata:MetadataSection></metadata:Metadata>`
  );
}

/** The ScannerConfiguration element. */
export function scannerConfiguration(model: SimWsdModel): string {
  const list = (outer: string, inner: string, values: readonly (string | number)[]) => `<scan:${outer}>${values.map((v) => `<scan:${inner}>${v}</scan:${inner}>`).join('')}</scan:${outer}>`;
  const { width, height } = model.maxSize;
  const [w, h] = model.swapMaxSize ? [height, width] : [width, height];
  const source = (p: string) =>
    `<scan:${p}OpticalResolution><scan:Width>600</scan:Width><scan:Height>600</scan:Height></scan:${p}OpticalResolution>` +
    `<scan:${p}Resolutions>${list('Widths', 'Width', model.resolutions)}${list('Heights', 'Height', model.resolutions)}</scan:${p}Resolutions>` +
    list(`${p}Color`, 'ColorEntry', model.colors) +
    `<scan:${p}MinimumSize><scan:Width>1000</scan:Width><scan:Height>1000</scan:Height></scan:${p}MinimumSize>` +
    `<scan:${p}MaximumSize><scan:Width>${w}</scan:Width><scan:Height>${h}</scan:Height></scan:${p}MaximumSize>`;
  return (
    `<scan:ScannerConfiguration><scan:DeviceSettings>${list('FormatsSupported', 'FormatValue', model.formats)}` +
    `${list('ContentTypesSupported', 'ContentTypeValue', ['Auto', 'Text', 'Photo'])}<scan:BrightnessSupported>false</scan:BrightnessSupported></scan:DeviceSettings>` +
    `<scan:Platen>${source('Platen')}</scan:Platen>` +
    (model.adf
      ? `<scan:ADF><scan:ADFSupportsDuplex>${model.duplex ? 'true' : 'false'}</scan:ADFSupportsDuplex><scan:ADFFront>${source('ADF')}</scan:ADFFront>${model.duplex ? `<scan:ADFBack>${source('ADF')}</scan:ADFBack>` : ''}</scan:ADF>`
      : '') +
    `</scan:ScannerConfiguration>`
  );
}

/** The ScannerStatus element. */
export function scannerStatus(state: string, reasons: readonly string[], conditions: readonly { name: string; component: string }[]): string {
  return (
    `<scan:ScannerStatus><scan:ScannerCurrentTime>${new Date().toISOString()}</scan:ScannerCurrentTime><scan:ScannerState>${state}</scan:ScannerState>` +
    `<scan:ScannerStateReasons>${(reasons.length > 0 ? reasons : ['None']).map((r) => `<scan:ScannerStateReason>${r}</scan:ScannerStateReason>`).join('')}</scan:ScannerStateReasons>` +
    (conditions.length > 0
      ? `<scan:ActiveConditions>${conditions.map((c, i) => `<scan:DeviceCondition><scan:Id>${i + 1}</scan:Id><scan:Name>${c.name}</scan:Name><scan:Component>${c.component}</scan:Component><scan:Severity>Warning</scan:Severity></scan:DeviceCondition>`).join('')}</scan:ActiveConditions>`
      : '') +
    `</scan:ScannerStatus>`
  );
}

/** A SOAP 1.2 fault body with a WS-Scan (or addressing) subcode. */
export function faultBody(subcode: string, reason: string): string {
  const sender = subcode.startsWith('Client') || subcode === 'InvalidArgs';
  return (
    `<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:${sender ? 'Sender' : 'Receiver'}</SOAP-ENV:Value>` +
    `<SOAP-ENV:Subcode><SOAP-ENV:Value>${subcode.includes(':') ? subcode : `scan:${subcode}`}</SOAP-ENV:Value></SOAP-ENV:Subcode></SOAP-ENV:Code>` +
    `<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">${esc(reason)}</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>`
  );
}
