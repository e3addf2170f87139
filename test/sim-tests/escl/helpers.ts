/** Shared bits of the simulator self-tests: ScanSettings bodies and a raw HTTP helper. */
import { request } from 'undici';

/** Fields of a ScanSettings body; omitted ones are left out of the XML. */
export interface SettingsFields {
  inputSource?: string;
  colorMode?: string;
  format?: string;
  xRes?: number;
  yRes?: number;
  width?: number;
  height?: number;
  xOffset?: number;
  yOffset?: number;
  duplex?: boolean;
}

/** Builds a ScanSettings body in sane-airscan's element order, with unusual prefixes to prove namespace handling. */
export function scanSettingsXml(fields: SettingsFields = {}): string {
  const f = { inputSource: 'Platen', colorMode: 'RGB24', format: 'image/jpeg', xRes: 75, width: 2480, height: 3508, ...fields };
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<e:ScanSettings xmlns:e="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:p="http://www.pwg.org/schemas/2010/12/sm">',
    '  <p:Version>2.0</p:Version>',
    '  <p:ScanRegions><p:ScanRegion>',
    '    <p:ContentRegionUnits>escl:ThreeHundredthsOfInches</p:ContentRegionUnits>',
    `    <p:XOffset>${f.xOffset ?? 0}</p:XOffset><p:YOffset>${f.yOffset ?? 0}</p:YOffset>`,
    `    <p:Width>${f.width}</p:Width><p:Height>${f.height}</p:Height>`,
    '  </p:ScanRegion></p:ScanRegions>',
    `  <p:InputSource>${f.inputSource}</p:InputSource>`,
    `  <e:ColorMode>${f.colorMode}</e:ColorMode>`,
    `  <p:DocumentFormat>${f.format}</p:DocumentFormat>`,
    `  <e:XResolution>${f.xRes}</e:XResolution>`,
    `  <e:YResolution>${f.yRes ?? f.xRes}</e:YResolution>`,
  ];
  if (f.duplex !== undefined) lines.push(`  <e:Duplex>${f.duplex}</e:Duplex>`);
  lines.push('</e:ScanSettings>');
  return lines.join('\n');
}

/** A whole HTTP answer. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends one request and reads the whole answer. */
export async function http(url: string, init: { method?: 'GET' | 'POST' | 'DELETE' | 'PUT'; body?: string; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const response = await request(url, {
    method: init.method ?? 'GET',
    body: init.body,
    headers: init.body !== undefined ? { 'content-type': 'text/xml', ...init.headers } : init.headers,
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body };
}

/** Posts ScanSettings to `base` + ScanJobs. */
export function postJob(baseUrl: string, xml: string, headers?: Record<string, string>): Promise<HttpAnswer> {
  return http(`${baseUrl}ScanJobs`, { method: 'POST', body: xml, headers });
}

/** Turns a Location header (relative or absolute, any host) into a URL on the simulator. */
export function jobUrl(baseUrl: string, location: string | string[] | undefined): string {
  if (typeof location !== 'string') throw new Error(`no Location header: ${String(location)}`);
  // The host part of Location is not to be trusted (PROTOCOLS.md A.3): keep the path only.
  const path = /^[a-z]+:\/\/[^/]*(\/.*)$/i.exec(location)?.[1] ?? location;
  return new URL(path, baseUrl).toString();
}
