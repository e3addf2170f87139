/**
 * The guarded reader shared by the eSCL and SOAP parsers: each reader enforces the bounds it was
 * made with (the protocol tests cover the 2 MiB / 48-level defaults), and namespace URIs are kept
 * as written unless the reader was given a normaliser.
 */
import { describe, expect, it } from 'vitest';
import { ScanError } from '../../src/core/errors.js';
import { createXmlReader } from '../../src/xml/guarded-xml.js';

function messageOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ScanError);
    expect((error as ScanError).code).toBe('ProtocolError');
    return (error as ScanError).message;
  }
  throw new Error('expected a ScanError');
}

describe('createXmlReader', () => {
  const read = createXmlReader({ maxBytes: 64, maxDepth: 3 });

  it('enforces its own size bound, counted in UTF-8 bytes', () => {
    expect(read(`<a>${'x'.repeat(57)}</a>`, 'doc').text).toHaveLength(57);
    expect(messageOf(() => read(`<a>${'x'.repeat(58)}</a>`, 'doc'))).toBe('doc: document larger than 64 bytes');
    expect(messageOf(() => read(`<a>${'é'.repeat(29)}</a>`, 'doc'))).toBe('doc: document larger than 64 bytes');
  });

  it('enforces its own depth bound before parsing', () => {
    expect(read('<a><b><c/></b></a>', 'doc').children[0]!.children[0]!.name).toBe('c');
    expect(messageOf(() => read('<a><b><c><d></d></c></b></a>', 'doc'))).toBe('doc: elements nested deeper than 3');
  });

  it('refuses hostile runs of a datagram\'s size (64 KB of `<`, of `<a `, of `</`) as malformed, and still counts depth by tags', () => {
    const big = createXmlReader({ maxBytes: 65_507, maxDepth: 3 });
    for (const unit of ['<', '<a ', '</', '<!', '<a/']) {
      const xml = unit.repeat(Math.floor(65_507 / unit.length));
      expect(messageOf(() => big(xml, 'datagram')), unit).toMatch(/^datagram: (malformed XML|elements nested deeper than 3)/);
    }
    expect(messageOf(() => big(`${'<a>'.repeat(4)}${'</a>'.repeat(4)}`, 'doc'))).toBe('doc: elements nested deeper than 3');
    expect(big('<a><!-- note --><?pi x?><b/><b></b></a>', 'doc').children).toHaveLength(2);
  });

  it('refuses DTDs whatever the bounds', () => {
    expect(messageOf(() => read('<!DOCTYPE a><a/>', 'doc'))).toBe('doc: DOCTYPE/ENTITY declarations are not accepted');
  });

  it('keeps namespace URIs as written by default, and applies a given normaliser to declarations', () => {
    const xml = '<p:a xmlns:p="https://example.com/ns"><p:b/></p:a>';
    expect(read(xml, 'doc').children[0]!.ns).toBe('https://example.com/ns');
    const normalising = createXmlReader({ maxBytes: 64, maxDepth: 3, normaliseNamespace: (uri) => uri.replace('https:', 'http:') });
    const root = normalising(xml, 'doc');
    expect(root.ns).toBe('http://example.com/ns');
    expect(root.children[0]!.scope.get('p')).toBe('http://example.com/ns');
  });
});
