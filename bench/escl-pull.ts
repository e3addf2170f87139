/** The plainest eSCL pull the benchmarks compare with or feed from: ScanJobs, NextDocument until not 200, DELETE. */
import type { Readable } from 'node:stream';
import { request } from 'undici';

/** ScanSettings XML for a colour ADF batch; sizes in 1/300 inch. */
export function adfSettingsXml(options: { width: number; height: number; dpi: number; mime: string }): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<scan:ScanSettings xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm">
<pwg:Version>2.0</pwg:Version><pwg:ScanRegions><pwg:ScanRegion><pwg:ContentRegionUnits>escl:ThreeHundredthsOfInches</pwg:ContentRegionUnits>
<pwg:XOffset>0</pwg:XOffset><pwg:YOffset>0</pwg:YOffset><pwg:Width>${options.width}</pwg:Width><pwg:Height>${options.height}</pwg:Height></pwg:ScanRegion></pwg:ScanRegions>
<pwg:InputSource>Feeder</pwg:InputSource><scan:ColorMode>RGB24</scan:ColorMode><pwg:DocumentFormat>${options.mime}</pwg:DocumentFormat>
<scan:XResolution>${options.dpi}</scan:XResolution><scan:YResolution>${options.dpi}</scan:YResolution></scan:ScanSettings>`;
}

/** Runs one job and hands every page body to `onPage` (which must consume it); returns the page count. */
export async function pullEsclBatch(baseUrl: string, settingsXml: string, onPage: (body: Readable, index: number) => Promise<void>): Promise<number> {
  const created = await request(new URL('ScanJobs', baseUrl), { method: 'POST', body: settingsXml, headers: { 'content-type': 'text/xml' } });
  await created.body.dump();
  const job = new URL(String(created.headers.location), baseUrl);
  let pages = 0;
  for (;;) {
    const page = await request(`${job.href.replace(/\/$/, '')}/NextDocument`);
    if (page.statusCode !== 200) {
      await page.body.dump();
      break;
    }
    pages += 1;
    await onPage(page.body, pages);
  }
  await (await request(job, { method: 'DELETE' })).body.dump();
  return pages;
}
