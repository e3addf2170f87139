/**
 * Safe, namespace-aware reading of SOAP documents (WSD: WS-Discovery, DPWS metadata, WS-Scan).
 * Devices pick their own prefixes (`soap:`, `SOAP-ENV:`, `scan:`, `wscn:`), so elements are
 * matched by namespace URI, never by prefix. fast-xml-parser only knows prefixes, so this file
 * resolves `xmlns` declarations itself. Same hostile-input stance as the eSCL reader:
 * bounded size and depth, no DTDs, entities never expanded beyond the five predefined ones.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { protocolError } from '../core/errors.js';

/** Largest SOAP document accepted; real WSD metadata is about 22 KiB, scanner elements about 11 KiB. */
export const MAX_SOAP_XML_BYTES = 2 * 1024 * 1024;
/** Deepest element nesting accepted; WS-Scan responses nest about 12 levels. */
export const MAX_SOAP_XML_DEPTH = 48;

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
  maxNestedTags: MAX_SOAP_XML_DEPTH,
});

/**
 * The Microsoft WSD documentation renders namespace URIs as `https://…`; real devices use
 * `http://`. Reading the documented spelling as the real one lets the spec samples parse.
 */
export function normaliseNamespace(uri: string): string {
  return uri.replace(/^https:\/\/(schemas\.xmlsoap\.org|www\.w3\.org|schemas\.microsoft\.com)\//i, 'http://$1/');
}

/** Parses a SOAP document into a namespace-resolved tree; anything unsafe or malformed is a ProtocolError. */
export function parseNsXml(xml: string, what: string): NsElement {
  if (typeof xml !== 'string') throw protocolError(`${what}: not a text document`);
  if (Buffer.byteLength(xml, 'utf8') > MAX_SOAP_XML_BYTES) throw protocolError(`${what}: document larger than ${MAX_SOAP_XML_BYTES} bytes`);
  // DTDs are the door to entity-expansion attacks and no WSD device needs one.
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
    if (depth > MAX_SOAP_XML_DEPTH) throw protocolError(`${what}: elements nested deeper than ${MAX_SOAP_XML_DEPTH}`);
  }
}

function elementName(node: unknown): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text');
}

function toElement(node: OrderedNode, scope: Map<string, string>, depth: number): NsElement {
  if (depth > MAX_SOAP_XML_DEPTH) throw protocolError(`elements nested deeper than ${MAX_SOAP_XML_DEPTH}`);
  const qname = elementName(node) ?? '';
  const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
  let local = scope;
  const attrs: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttrs)) {
    const text = typeof value === 'string' ? value.trim() : String(value);
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      // Copy the scope only when this element declares something (Kyocera declares ~50 on the root).
      if (local === scope) local = new Map(scope);
      local.set(key === 'xmlns' ? '' : key.slice(6), normaliseNamespace(text));
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

function splitQName(qname: string): { prefix: string; name: string } {
  const colon = qname.indexOf(':');
  return colon < 0 ? { prefix: '', name: qname } : { prefix: qname.slice(0, colon), name: qname.slice(colon + 1) };
}

/** True when `el` is `{ns}name`; the namespace must match (prefixes mean nothing). */
export function isNs(el: NsElement | undefined, ns: string, name: string): boolean {
  return el !== undefined && el.name === name && el.ns === ns;
}

/** The first child `{ns}name` of `el`. */
export function nsChild(el: NsElement | undefined, ns: string, name: string): NsElement | undefined {
  return el?.children.find((c) => isNs(c, ns, name));
}

/** Every child `{ns}name` of `el`, in document order. */
export function nsChildren(el: NsElement | undefined, ns: string, name: string): NsElement[] {
  return el ? el.children.filter((c) => isNs(c, ns, name)) : [];
}

/** The element at a path of `[ns, name]` steps below `el`. */
export function nsPath(el: NsElement | undefined, ...steps: readonly (readonly [string, string])[]): NsElement | undefined {
  let at = el;
  for (const [ns, name] of steps) at = nsChild(at, ns, name);
  return at;
}

/** The trimmed text of child `{ns}name`, or undefined when absent or empty. */
export function nsText(el: NsElement | undefined, ns: string, name: string): string | undefined {
  const text = nsChild(el, ns, name)?.text;
  return text === undefined || text === '' ? undefined : text;
}

/** The child's text as a finite integer, or undefined when absent or not a number. */
export function nsInt(el: NsElement | undefined, ns: string, name: string): number | undefined {
  const text = nsText(el, ns, name);
  if (text === undefined || !/^[+-]?\d{1,12}$/.test(text)) return undefined;
  return Number.parseInt(text, 10);
}

/** WS-Scan booleans come as `0/1/true/false`; anything else is undefined. */
export function nsBool(el: NsElement | undefined, ns: string, name: string): boolean | undefined {
  const text = nsText(el, ns, name)?.toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  return undefined;
}

/** A QName value resolved against the element's scope; an undeclared prefix gives `ns` undefined. */
export interface ResolvedQName {
  ns: string | undefined;
  name: string;
}

/** Resolves a whitespace-separated QName list (`devprof:Device scan:ScanDeviceType`) in `el`'s scope. */
export function resolveQNames(el: NsElement, text: string): ResolvedQName[] {
  return text
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((token) => {
      const { prefix, name } = splitQName(token);
      return { ns: el.scope.get(prefix) || undefined, name };
    });
}

/** Escapes text for use inside an XML element or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
