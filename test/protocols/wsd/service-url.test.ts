import { describe, expect, it } from 'vitest';
import { candidateServiceUrls, parseWsdUrl } from '../../../src/protocols/wsd/service-url.js';

describe('hand-listed WSD URLs', () => {
  it('a full service URL is used as given (the CONTRACT example)', () => {
    expect(candidateServiceUrls('http://192.0.2.8:5358/wsd/scan')).toEqual(['http://192.0.2.8:5358/wsd/scan']);
  });

  it('a bare host tries the Samsung/HP port 8018 /wsd/scan first, then the other known locations', () => {
    expect(candidateServiceUrls('http://192.0.2.8')).toEqual([
      'http://192.0.2.8:8018/wsd/scan',
      'http://192.0.2.8:5358/WSDScanner',
      'http://192.0.2.8/WebServices/ScannerService',
      'http://192.0.2.8/WDP/SCAN',
    ]);
  });

  it('other schemes and garbage are InvalidRequest', () => {
    expect(() => parseWsdUrl('ftp://x/')).toThrow(expect.objectContaining({ code: 'InvalidRequest' }) as Error);
    expect(() => parseWsdUrl('not a url')).toThrow(expect.objectContaining({ code: 'InvalidRequest' }) as Error);
  });
});
