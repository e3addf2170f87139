/**
 * The one guarded XML reader behind the eSCL and the SOAP (WSD) parsers: device documents are
 * untrusted, so size and nesting are bounded before parsing, DTDs are refused (no entity can be
 * expanded beyond the five predefined ones), and `xmlns` declarations are resolved here because
 * fast-xml-parser only knows prefixes. Each protocol keeps its own bounds and lookups.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { protocolError } from '../core/errors.js';

/** One element with its namespace resolved. `ns` is undefined for no namespace or an undeclared prefix. */
export interface NsElement {
  ns: string | undefined;
  name: string;
  /** Attributes by local name (prefixes dropped), xmlns declarations excluded. */
  attrs: Record<string, string>;
  children: NsElement[];
  /** Concatenated, trimmed text content of this element (not of its descendants). */
  text: string;
  /** Prefix → URI declarations in scope here, to resolve QName values such as `scan:ScanDeviceType`. */
  scope: ReadonlyMap<string, string>;
}

/** What one reader accepts, and how it spells namespace URIs. */
export interface XmlReaderOptions {
  /** Largest document accepted, in UTF-8 bytes. */
  maxBytes: number;
  /** Deepest element nesting accepted. */
  maxDepth: number;
  /** Rewrites a declared namespace URI before it is stored (default: kept as written). */
  normaliseNamespace?: (uri: string) => string;
}

/** Parses one untrusted document (`what` names it in errors) into a namespace-resolved tree. */
export type XmlReader = (xml: string, what: string) => NsElement;

type OrderedNode = Record<string, unknown>;

/** A reader with these bounds; anything unsafe or malformed it is given is a ProtocolError. */
export function createXmlReader(options: XmlReaderOptions): XmlReader {
  const { maxBytes, maxDepth } = options;
  const normalise = options.normaliseNamespace ?? ((uri: string) => uri);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: maxDepth,
  });

  function toElement(node: OrderedNode, scope: Map<string, string>, depth: number): NsElement {
    if (depth > maxDepth) throw protocolError(`elements nested deeper than ${maxDepth}`);
    const qname = elementName(node) ?? '';
    const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
    let local = scope;
    const attrs: Record<string, string> = {};
    for (const [key, value] of Object.entries(rawAttrs)) {
      const text = typeof value === 'string' ? value.trim() : String(value);
      if (key === 'xmlns' || key.startsWith('xmlns:')) {
        // Copy the scope only when this element declares something (Kyocera declares ~50 on the root).
        if (local === scope) local = new Map(scope);
        local.set(key === 'xmlns' ? '' : key.slice(6), normalise(text));
      } else {
        attrs[splitQName(key).name] = text;
      }
    }
    const { prefix, name } = splitQName(qname);
    const content = Array.isArray(node[qname]) ? (node[qname] as unknown[]) : [];
    const children: NsElement[] = [];
    const texts: string[] = [];
    for (const item of content) {
      if (item === null || typeof item !== 'object') continue;
      const childName = elementName(item);
      if (childName !== undefined) children.push(toElement(item as OrderedNode, local, depth + 1));
      else if ('#text' in item) texts.push(String((item as OrderedNode)['#text']));
    }
    const ns = local.get(prefix) || undefined;
    return { ns, name, attrs, children, text: texts.join('').trim(), scope: local };
  }

  return (xml, what) => {
    if (typeof xml !== 'string') throw protocolError(`${what}: not a text document`);
    if (Buffer.byteLength(xml, 'utf8') > maxBytes) throw protocolError(`${what}: document larger than ${maxBytes} bytes`);
    // DTDs are the door to entity-expansion attacks and no scanner needs one.
    if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw protocolError(`${what}: DOCTYPE/ENTITY declarations are not accepted`);
    checkDepth(xml, what, maxDepth);
    const verdict = XMLValidator.validate(xml);
    if (verdict !== true) {
      const { msg, line, col } = verdict.err;
      throw protocolError(`${what}: malformed XML at line ${line}, column ${col}: ${msg}`);
    }
    let nodes: unknown;
    try {
      nodes = parser.parse(xml);
    } catch (error) {
      throw protocolError(`${what}: malformed XML: ${error instanceof Error ? error.message : String(error)}`, error);
    }
    const roots = (Array.isArray(nodes) ? nodes : []).filter((n): n is OrderedNode => elementName(n) !== undefined);
    const [root] = roots;
    if (!root || roots.length > 1) throw protocolError(`${what}: expected exactly one root element`);
    return toElement(root, new Map(), 0);
  };
}

/**
 * Counts element nesting with a linear scan before the real parse, so deep input never reaches
 * recursion. By hand, not a regex: a tag pattern retried at every `<` of a run with no `>` (a
 * hostile 64 KB datagram of `<`) takes minutes; here each character is looked at a bounded
 * number of times. A tag is `<`, an optional `/`, a first character that is not white space or
 * `> / ! ?` (comments, declarations and PIs do not count), and everything up to the next `>`.
 */
function checkDepth(xml: string, what: string, maxDepth: number): void {
  let depth = 0;
  let close = -1;
  for (let at = xml.indexOf('<'); at >= 0; ) {
    if (close < at) close = xml.indexOf('>', at + 1);
    // No `>` after this `<`, so none after any later one: no more tags.
    if (close < 0) return;
    const closing = xml[at + 1] === '/';
    const first = xml[at + (closing ? 2 : 1)];
    if (first === undefined || /[\s>/!?]/.test(first)) {
      at = xml.indexOf('<', at + 1);
      continue;
    }
    if (closing) depth -= 1;
    else if (xml[close - 1] !== '/') depth += 1; // <a/> opens and closes at once
    if (depth > maxDepth) throw protocolError(`${what}: elements nested deeper than ${maxDepth}`);
    at = xml.indexOf('<', close + 1);
  }
}

function elementName(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text');
}

/** Splits `prefix:name`; a name without a colon has the empty prefix. */
export function splitQName(qname: string): { prefix: string; name: string } {
  const colon = qname.indexOf(':');
  return colon < 0 ? { prefix: '', name: qname } : { prefix: qname.slice(0, colon), name: qname.slice(colon + 1) };
}
