/**
 * The plainest WS-Scan pull, for the WSD benchmark's baseline: CreateScanJob, then RetrieveImage
 * until the device says no more, each answer's bytes written to a file as they come, without
 * reading the MTOM parts. Plain string SOAP and undici.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';

const SCAN = 'http://schemas.microsoft.com/windows/2006/08/wdp/scan';

function envelope(serviceUrl: string, op: string, body: string): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:sca="${SCAN}">` +
    `<soap:Header><wsa:To>${serviceUrl}</wsa:To><wsa:Action>${SCAN}/${op}</wsa:Action><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID></soap:Header>` +
    `<soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

/** An ADF colour JPEG ticket for a region in 1/1000 inch at `dpi`. */
export function adfTicket(dpi: number, width: number, height: number): string {
  const media = `<sca:MediaFront><sca:ColorProcessing>RGB24</sca:ColorProcessing><sca:Resolution><sca:Width>${dpi}</sca:Width><sca:Height>${dpi}</sca:Height></sca:Resolution><sca:ScanRegion><sca:ScanRegionXOffset>0</sca:ScanRegionXOffset><sca:ScanRegionYOffset>0</sca:ScanRegionYOffset><sca:ScanRegionWidth>${width}</sca:ScanRegionWidth><sca:ScanRegionHeight>${height}</sca:ScanRegionHeight></sca:ScanRegion></sca:MediaFront>`;
  return `<sca:ScanTicket><sca:JobDescription><sca:JobName>bench</sca:JobName><sca:JobOriginatingUserName>bench</sca:JobOriginatingUserName></sca:JobDescription><sca:DocumentParameters><sca:Format>jfif</sca:Format><sca:ImagesToTransfer>0</sca:ImagesToTransfer><sca:InputSource>ADF</sca:InputSource><sca:MediaSides>${media}</sca:MediaSides></sca:DocumentParameters></sca:ScanTicket>`;
}

/** Pulls one batch; `onPage` consumes each RetrieveImage body. Resolves with the page count. */
export async function pullWsdBatch(serviceUrl: string, ticket: string, onPage: (body: AsyncIterable<Uint8Array>, index: number) => Promise<void>): Promise<number> {
  const post = (op: string, body: string) => request(serviceUrl, { method: 'POST', headers: { 'content-type': 'application/soap+xml; charset=utf-8' }, body: envelope(serviceUrl, op, body) });
  const created = await post('CreateScanJob', `<sca:CreateScanJobRequest>${ticket}</sca:CreateScanJobRequest>`);
  const xml = await created.body.text();
  const jobId = /JobId>(\d+)</.exec(xml)?.[1];
  const token = /JobToken>([^<]+)</.exec(xml)?.[1];
  if (!jobId || !token) throw new Error(`CreateScanJob failed: ${xml.slice(0, 300)}`);
  for (let index = 1; ; index++) {
    const answer = await post('RetrieveImage', `<sca:RetrieveImageRequest><sca:JobId>${jobId}</sca:JobId><sca:JobToken>${token}</sca:JobToken><sca:DocumentDescription><sca:DocumentName>p${index}</sca:DocumentName></sca:DocumentDescription></sca:RetrieveImageRequest>`);
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      return index - 1;
    }
    await onPage(answer.body, index);
  }
}
