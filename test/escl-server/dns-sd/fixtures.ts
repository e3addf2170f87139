/** Shared adverts for the DNS-SD advertiser tests. */
import type { EsclAdvert } from '../../../src/escl-server/advert.js';

/** A shared saned test-backend scanner as the eSCL server would describe it. */
export function sampleAdvert(overrides: Partial<EsclAdvert> = {}): EsclAdvert {
  return {
    scannerId: 'sane_test_0',
    name: 'Office Lide',
    uuid: '4509a320-00a0-008f-00b6-002507510eca',
    port: 8091,
    secure: false,
    makeAndModel: 'Canon LiDE 220',
    documentFormats: ['application/pdf', 'image/jpeg', 'image/png'],
    colorSpaces: ['color', 'grayscale', 'binary'],
    inputSources: ['platen', 'adf'],
    duplex: false,
    adminPath: '/',
    iconPath: '/icon.png',
    note: 'gateway-host',
    ...overrides,
  };
}
