/**
 * Safe, namespace-aware reading of the XML documents eSCL devices send.
 * fast-xml-parser only knows prefixes, so this file resolves `xmlns` declarations
 * itself and lets the eSCL parsers look elements up by namespace URI (PROTOCOLS.md A.2).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { protocolError } from '../../core/errors.js';

/** The eSCL namespace (conventional prefix `scan`). */
export const ESCL_NS = 'http://schemas.hp.com/imaging/escl/2011/05/03';
/** The PWG semantic-model namespace (conventional prefix `pwg`). */
export const PWG_NS = 'http://www.pwg.org/schemas/2010/12/sm';

/** Largest XML document accepted from a device; real capabilities are under 20 KiB. */
export const MAX_XML_BYTES = 2 * 1024 * 1024;
/** Deepest element nesting accepted; eSCL documents are about 8 levels deep. */
export const MAX_XML_DEPTH = 48;

/** One element with its namespace resolved. `ns` is undefined for no namespace or an undeclared prefix. */
export interface XmlElement {
  ns: string | undefined;
  name: string;
  /** Attributes by local name (prefixes dropped), xmlns declarations excluded. */
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated, trimmed text content of this element (not of its descendants). */
  text: string;
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
  maxNestedTags: MAX_XML_DEPTH,
});

/** Parses a device document into a namespace-resolved tree; anything unsafe or malformed is a ProtocolError. */
export function parseXmlDocument(xml: string, what: string): XmlElement {
  if (typeof xml !== 'string') throw protocolError(`${what}: not a text document`);
  if (Buffer.byteLength(xml, 'utf8') > MAX_XML_BYTES) throw protocolError(`${what}: document larger than ${MAX_XML_BYTES} bytes`);
  // DTDs are the door to entity-expansion attacks and no eSCL device needs one.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw protocolError(`${what}: DOCTYPE/ENTITY declarations are not accepted`);
  checkDepth(xml, what);
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
}

/** Counts element nesting with a linear scan before the real parse, so deep input never reaches recursion. */
function checkDepth(xml: string, what: string): void {
  const tag = /<(\/?)([^\s>/!?][^\s>/]*)[^>]*?(\/?)>/g;
  let depth = 0;
  for (let m = tag.exec(xml); m !== null; m = tag.exec(xml)) {
    if (m[1] === '/') depth -= 1;
    else if (m[3] !== '/') depth += 1;
    if (depth > MAX_XML_DEPTH) throw protocolError(`${what}: elements nested deeper than ${MAX_XML_DEPTH}`);
  }
}

function elementName(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text');
}

function toElement(node: OrderedNode, scope: Map<string, string>, depth: number): XmlElement {
  if (depth > MAX_XML_DEPTH) throw protocolError(`elements nested deeper than ${MAX_XML_DEPTH}`);
  const qname = elementName(node) ?? '';
  const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
  const local = new Map(scope);
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttrs)) {
    const text = typeof value === 'string' ? value.trim() : String(value);
    if (key === 'xmlns') local.set('', text);
    else if (key.startsWith('xmlns:')) local.set(key.slice(6), text);
    else attrs[localName(key)] = text;
  }
  const { prefix, name } = splitQName(qname);
  const content = Array.isArray(node[qname]) ? (node[qname] as unknown[]) : [];
  const children: XmlElement[] = [];
  const texts: string[] = [];
  for (const item of content) {
    if (item === null || typeof item !== 'object') continue;
    const childName = elementName(item);
    if (childName !== undefined) children.push(toElement(item as OrderedNode, local, depth + 1));
    else if ('#text' in item) texts.push(String((item as OrderedNode)['#text']));
  }
  const ns = local.get(prefix) || undefined;
  return { ns, name, attrs, children, text: texts.join('').trim() };
}

function splitQName(qname: string): { prefix: string; name: string } {
  const colon = qname.indexOf(':');
  return colon < 0 ? { prefix: '', name: qname } : { prefix: qname.slice(0, colon), name: qname.slice(colon + 1) };
}

function localName(qname: string): string {
  return splitQName(qname).name;
}

/**
 * True when `el` is `ns:name`. Elements without a resolvable namespace match by local
 * name alone (a pasted HP status had no declarations; Xerox puts `<Min>` in no namespace).
 */
export function isElement(el: XmlElement, ns: string, name: string): boolean {
  return el.name === name && (el.ns === ns || el.ns === undefined);
}

/** The first child `ns:name` of `el`. */
export function child(el: XmlElement | undefined, ns: string, name: string): XmlElement | undefined {
  return el?.children.find((c) => isElement(c, ns, name));
}

/** Every child `ns:name` of `el`, in document order. */
export function childrenOf(el: XmlElement | undefined, ns: string, name: string): XmlElement[] {
  return el ? el.children.filter((c) => isElement(c, ns, name)) : [];
}

/** The trimmed text of child `ns:name`, or undefined when absent or empty. */
export function childText(el: XmlElement | undefined, ns: string, name: string): string | undefined {
  const text = child(el, ns, name)?.text;
  return text === undefined || text === '' ? undefined : text;
}

/** The child's text as a finite integer, or undefined when absent or not a number. */
export function childInt(el: XmlElement | undefined, ns: string, name: string): number | undefined {
  const text = childText(el, ns, name);
  if (text === undefined || !/^[+-]?\d{1,12}$/.test(text)) return undefined;
  return Number.parseInt(text, 10);
}

/** Escapes text for use inside an XML element. */
export function escapeXmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
