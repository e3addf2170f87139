/**
 * A namespace-aware view of small XML documents. eSCL peers use any prefix
 * (or default namespaces, like HP's own client), so elements are matched by
 * namespace URI + local name, never by prefix (PROTOCOLS.md A.2).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ScanError } from '../../../src/core/errors.js';

/** eSCL namespace (`scan:` by convention). */
export const NS_SCAN = 'http://schemas.hp.com/imaging/escl/2011/05/03';
/** PWG semantic model namespace (`pwg:` by convention). */
export const NS_PWG = 'http://www.pwg.org/schemas/2010/12/sm';

/** Largest XML body the simulator parses; real ScanSettings are under 2 KiB. */
export const MAX_XML_BYTES = 256 * 1024;
/** Deepest element nesting accepted; eSCL documents nest about 8 levels. */
export const MAX_XML_DEPTH = 32;

/** One element with its namespace resolved. */
export interface XmlElement {
  readonly ns: string;
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  /** Concatenated, trimmed text content directly inside this element. */
  readonly text: string;
}

type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** Parses an XML document into a namespace-resolved tree; ScanError('ProtocolError') when malformed. */
export function parseXmlTree(xml: string): XmlElement {
  if (xml.length > MAX_XML_BYTES) throw new ScanError('ProtocolError', `XML body larger than ${MAX_XML_BYTES} bytes`);
  // DOCTYPE is never legitimate in eSCL and is the door to entity expansion attacks.
  if (/<!DOCTYPE/i.test(xml)) throw new ScanError('ProtocolError', 'XML with DOCTYPE is refused');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new ScanError('ProtocolError', `malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const nodes = parser.parse(xml) as OrderedNode[];
  const roots = nodes.filter((node) => elementName(node) !== undefined);
  const root = roots[0];
  if (roots.length !== 1 || root === undefined) throw new ScanError('ProtocolError', 'XML must have exactly one root element');
  return toElement(root, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]), 0);
}

function elementName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && key !== '#text' && !key.startsWith('?') && !key.startsWith('!'));
}

function toElement(node: OrderedNode, outer: ReadonlyMap<string, string>, depth: number): XmlElement {
  if (depth > MAX_XML_DEPTH) throw new ScanError('ProtocolError', `XML nested deeper than ${MAX_XML_DEPTH}`);
  const qname = elementName(node) ?? '';
  const rawAttrs = (node[':@'] ?? {}) as Record<string, string>;
  const scope = new Map(outer);
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttrs)) {
    if (key === 'xmlns') scope.set('', value);
    else if (key.startsWith('xmlns:')) scope.set(key.slice(6), value);
    else attrs[localName(key)] = String(value);
  }
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? '' : qname.slice(0, colon);
  const ns = scope.get(prefix) ?? '';
  const content = (node[qname] ?? []) as OrderedNode[];
  const children: XmlElement[] = [];
  const texts: string[] = [];
  for (const child of content) {
    if ('#text' in child) texts.push(String(child['#text']));
    else if (elementName(child) !== undefined) children.push(toElement(child, scope, depth + 1));
  }
  return { ns, name: localName(qname), attrs, children, text: texts.join('').trim() };
}

function localName(qname: string): string {
  const colon = qname.indexOf(':');
  return colon < 0 ? qname : qname.slice(colon + 1);
}

/** Direct children of `parent` with the given namespace and local name. */
export function childrenNamed(parent: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  return parent ? parent.children.filter((child) => child.ns === ns && child.name === name) : [];
}

/** The first direct child with the given namespace and local name. */
export function childNamed(parent: XmlElement | undefined, ns: string, name: string): XmlElement | undefined {
  return parent?.children.find((child) => child.ns === ns && child.name === name);
}

/** Text of the first matching child, or undefined when absent. */
export function childText(parent: XmlElement | undefined, ns: string, name: string): string | undefined {
  return childNamed(parent, ns, name)?.text;
}

/** Every descendant (depth first) with the given namespace and local name. */
export function descendantsNamed(parent: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  if (!parent) return [];
  const found: XmlElement[] = [];
  for (const child of parent.children) {
    if (child.ns === ns && child.name === name) found.push(child);
    found.push(...descendantsNamed(child, ns, name));
  }
  return found;
}

/** Parses a non-negative decimal integer element value; undefined when absent, ScanError when garbage. */
export function parseIntegerText(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text)) throw new ScanError('ProtocolError', `${what} is not a non-negative integer: ${JSON.stringify(text.slice(0, 40))}`);
  return Number(text);
}
