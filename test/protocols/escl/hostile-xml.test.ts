import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../../src/core/errors.js';
import { parseScannerCapabilities } from '../../../src/protocols/escl/capabilities.js';
import { jobPathFrom } from '../../../src/protocols/escl/location.js';
import { parseScannerStatus } from '../../../src/protocols/escl/status.js';
import { MAX_XML_BYTES, MAX_XML_DEPTH } from '../../../src/protocols/escl/xml.js';
import { FIXTURES as SHARED_FIXTURES } from '../../helpers/fixtures.js';
import { expectOnlyScanErrors, scanErrorOf } from '../../helpers/scan-errors.js';

const FIXTURES = `${SHARED_FIXTURES}/escl`;
const brother = readFileSync(join(FIXTURES, 'capabilities/brother-mfc-l8690cdw.xml'), 'utf8');
const kyoceraStatus = readFileSync(join(FIXTURES, 'status/kyocera-ecosys-m2040dn.xml'), 'utf8');
const parsers = [parseScannerCapabilities, parseScannerStatus];

/** Parsing either succeeds or throws a ScanError, never anything else. */
const onlyScanErrors = (xml: string) => expectOnlyScanErrors(parsers, xml);

describe('hostile and broken XML', () => {
  it('truncated documents are ProtocolErrors', () => {
    for (const cut of [10, 200, 1000, brother.length - 30]) {
      expect(scanErrorOf(() => parseScannerCapabilities(brother.slice(0, cut))).code).toBe('ProtocolError');
    }
    expect(scanErrorOf(() => parseScannerStatus(kyoceraStatus.slice(0, kyoceraStatus.length / 2))).code).toBe('ProtocolError');
  });

  it('empty and non-XML bodies are ProtocolErrors', () => {
    for (const text of ['', '   ', 'Service Unavailable', '{"json":true}', '<html><body>login</body></html>']) {
      expect(scanErrorOf(() => parseScannerStatus(text)).code).toBe('ProtocolError');
    }
  });

  it('a status document handed to the capabilities parser is refused by root name', () => {
    expect(scanErrorOf(() => parseScannerCapabilities(kyoceraStatus)).message).toMatch(/unexpected root element ScannerStatus/);
  });

  it('the right names in a wrong namespace are refused', () => {
    const xml = kyoceraStatus.replace('http://schemas.hp.com/imaging/escl/2011/05/03', 'http://example.com/evil');
    expect(scanErrorOf(() => parseScannerStatus(xml)).code).toBe('ProtocolError');
  });

  it('DOCTYPE and entity expansion (billion laughs) are refused before parsing', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
      <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
      <scan:ScannerStatus xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03"><pwg:State>&lol3;</pwg:State></scan:ScannerStatus>`;
    expect(scanErrorOf(() => parseScannerStatus(bomb)).message).toMatch(/DOCTYPE/);
    const external = '<!DOCTYPE x SYSTEM "file:///etc/passwd"><x>&xxe;</x>';
    expect(scanErrorOf(() => parseScannerCapabilities(external)).code).toBe('ProtocolError');
  });

  it('a 50 MB document is refused by size without being parsed', () => {
    const huge = `<scan:ScannerStatus xmlns:scan="x">${'<a>b</a>'.repeat(50 * 1024 * 1024 / 8)}</scan:ScannerStatus>`;
    expect(scanErrorOf(() => parseScannerStatus(huge)).message).toMatch(new RegExp(`larger than ${MAX_XML_BYTES}`));
  });

  it('deep nesting is refused', () => {
    const depth = 100_000;
    const deep = `${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`;
    expect(scanErrorOf(() => parseScannerStatus(deep)).message).toMatch(/nested deeper/);
    const justTooDeep = `${'<a>'.repeat(MAX_XML_DEPTH + 1)}${'</a>'.repeat(MAX_XML_DEPTH + 1)}`;
    expect(scanErrorOf(() => parseScannerCapabilities(justTooDeep)).code).toBe('ProtocolError');
  });

  it('numbers that are not numbers are ignored, not invented', () => {
    const xml = brother.replace('<scan:MaxWidth>2550</scan:MaxWidth>', '<scan:MaxWidth>1e400</scan:MaxWidth>');
    const r = parseScannerCapabilities(xml);
    expect(r.caps.sources.platen).toBeUndefined();
    expect(r.caps.sources.adf).toBeDefined();
  });
});

describe('fuzz: parsers throw nothing but ScanError', () => {
  it('random strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => onlyScanErrors(s)), { numRuns: 500 });
  });

  it('random XML-ish token soup', () => {
    const token = fc.constantFrom('<scan:ScannerStatus xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm">', '</scan:ScannerStatus>', '<pwg:State>', '</pwg:State>', 'Idle', '<scan:Jobs>', '</scan:Jobs>', '<scan:JobInfo>', '</scan:JobInfo>', '<pwg:JobUri>/x</pwg:JobUri>', '<scan:Age>-1</scan:Age>', '&amp;', '&bogus;', '<![CDATA[x]]>', '<!-- c -->', '<?pi x?>', '<a b="1"/>', '"', '>', '<', ' ');
    fc.assert(fc.property(fc.array(token, { maxLength: 40 }), (tokens) => onlyScanErrors(tokens.join(''))), { numRuns: 1000 });
  });

  it('mutations of a real capabilities document', () => {
    fc.assert(
      fc.property(fc.nat(brother.length - 1), fc.nat(200), fc.string({ maxLength: 20 }), (at, cut, insert) => {
        onlyScanErrors(brother.slice(0, at) + insert + brother.slice(Math.min(brother.length, at + cut)));
      }),
      { numRuns: 300 },
    );
  });

  it('Location values become a job path below the root or a ProtocolError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (location) => {
        try {
          const path = jobPathFrom(location, '/eSCL/');
          expect(path.startsWith('/')).toBe(true);
          expect(path).not.toMatch(/\s/);
        } catch (error) {
          expect(error).toBeInstanceOf(ScanError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('job paths from Location', () => {
  it.each([
    ['/eSCL/ScanJobs/772', '/eSCL/ScanJobs/772'],
    ['http://192.168.1.102:9095/eSCL/ScanJobs/urn:uuid:4509a320-00a0-008f-00b6-0055c940a421', '/eSCL/ScanJobs/urn:uuid:4509a320-00a0-008f-00b6-0055c940a421'],
    ['http://[fe80/eSCL/ScanJobs/4060', '/eSCL/ScanJobs/4060'],
    ['http://BR54BFB02C05XK.03f011c2.hpLedmUSB/eSCL/ScanJobs/12/', '/eSCL/ScanJobs/12'],
    ['375f7b68-2da0-11ea-8a39-74bfc0200d3b', '/eSCL/ScanJobs/375f7b68-2da0-11ea-8a39-74bfc0200d3b'],
    ['ScanJobs/9', '/eSCL/ScanJobs/9'],
  ])('%s → %s', (location, path) => {
    expect(jobPathFrom(location, '/eSCL/')).toBe(path);
  });

  it.each(['', 'http://host', '/eSCL/ScanJobs/a b', '/eSCL/../admin'])('%j is refused', (location) => {
    expect(scanErrorOf(() => jobPathFrom(location, '/eSCL/')).code).toBe('ProtocolError');
  });
});

describe('job paths from odd Location values', () => {
  it.each(['//', '///', '//host', 'http://host//'])('%s is refused, not turned into an empty path', (location) => {
    expect(() => jobPathFrom(location, '/eSCL/')).toThrow(ScanError);
  });

  it('a scheme-relative Location keeps only its path', () => {
    expect(jobPathFrom('//192.0.2.7:8080/eSCL/ScanJobs/5', '/eSCL/')).toBe('/eSCL/ScanJobs/5');
  });
});
