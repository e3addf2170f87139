/** Core rules too small for a file each: job state transitions, scanner names, device URLs, page sniffing. */
import { describe, expect, it } from 'vitest';
import { normaliseHttpUrl, httpUrlHost } from '../../src/core/http-url.js';
import { canTransition, FINAL_JOB_STATES, type JobState } from '../../src/core/job.js';
import { extensionFor, mimeTypeFor, sniffPageType } from '../../src/core/page-format.js';
import { checkScannerName, MAX_SCANNER_NAME_LENGTH } from '../../src/core/scanner-name.js';

const STATES: JobState[] = ['queued', 'scanning', 'storing', 'done', 'failed', 'cancelled'];

describe('job states', () => {
  it('a job goes queued → scanning → storing → done, storing may go back to scanning (next ADF batch), and any live state may fail or be cancelled', () => {
    const allowed = STATES.flatMap((from) => STATES.filter((to) => canTransition(from, to)).map((to) => `${from}>${to}`));
    expect(allowed).toEqual([
      'queued>scanning', 'queued>failed', 'queued>cancelled',
      'scanning>storing', 'scanning>failed', 'scanning>cancelled',
      'storing>scanning', 'storing>done', 'storing>failed', 'storing>cancelled',
    ]);
  });

  it('a final state is never left', () => {
    for (const from of FINAL_JOB_STATES) expect(STATES.filter((to) => canTransition(from, to))).toEqual([]);
  });
});

describe('scanner name', () => {
  it('trims and keeps names up to the limit, refuses empty and longer ones', () => {
    expect(checkScannerName('  Office MFP ')).toBe('Office MFP');
    expect(checkScannerName('x'.repeat(MAX_SCANNER_NAME_LENGTH))).toHaveLength(MAX_SCANNER_NAME_LENGTH);
    expect(() => checkScannerName('x'.repeat(MAX_SCANNER_NAME_LENGTH + 1))).toThrow('name must be 1 to 64 characters');
    expect(() => checkScannerName('   ')).toThrow('name must be 1 to 64 characters');
  });

  it('refuses control characters and line separators that would forge log lines or topics, even at the end', () => {
    expect(() => checkScannerName('Office\n')).toThrow('found U+000A');
    expect(() => checkScannerName('a\u0000b')).toThrow('found U+0000');
    expect(() => checkScannerName('a\u2028b')).toThrow('found U+2028');
    expect(() => checkScannerName('a\u0085b')).toThrow('found U+0085');
    expect(checkScannerName('Büro – Scanner 2')).toBe('Büro – Scanner 2');
  });
});

describe('device URL', () => {
  it('canonicalises http(s) URLs and refuses other schemes and credentials in the URL', () => {
    expect(normaliseHttpUrl(' HTTP://Printer.LAN:80/eSCL#x ')).toBe('http://printer.lan/eSCL');
    expect(() => normaliseHttpUrl('ftp://printer/eSCL')).toThrow('must be http:// or https://');
    expect(() => normaliseHttpUrl('http://admin:secret@printer/eSCL')).toThrow('put credentials in username/password, not in the URL');
    expect(() => normaliseHttpUrl('not a url')).toThrow('not a URL');
    expect(httpUrlHost('http://[fe80::1]:8080/eSCL')).toBe('fe80::1');
  });
});

describe('page sniffing', () => {
  it('tells types by their magic bytes, not their label', () => {
    const head = (...bytes: number[]) => Uint8Array.from(bytes);
    expect(sniffPageType(head(0xff, 0xd8, 0xff, 0xe0))).toBe('jpeg');
    expect(sniffPageType(head(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toBe('png');
    expect(sniffPageType(Buffer.from('%PDF-1.7'))).toBe('pdf');
    expect(sniffPageType(head(0x4d, 0x4d, 0x00, 0x2a))).toBe('tiff');
    expect(sniffPageType(Buffer.from('P6\n'))).toBe('pnm');
    expect(sniffPageType(Buffer.from('P7\n'))).toBeUndefined();
    expect(sniffPageType(head(0xff, 0xd8))).toBeUndefined();
    expect(sniffPageType(head())).toBeUndefined();
    expect([extensionFor('jpeg'), extensionFor('tiff'), mimeTypeFor('pnm')]).toEqual(['jpg', 'tif', 'image/x-portable-anymap']);
  });
});
