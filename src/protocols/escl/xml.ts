/**
 * Safe, namespace-aware reading of the XML documents eSCL devices send.
 * The guarded reader of src/xml resolves `xmlns` declarations; this file sets the eSCL bounds
 * and lets the eSCL parsers look elements up by namespace URI (PROTOCOLS.md A.2).
 */
import { createXmlReader, type NsElement } from '../../xml/guarded-xml.js';

/** The eSCL namespace (conventional prefix `scan`). */
export const ESCL_NS = 'http://schemas.hp.com/imaging/escl/2011/05/03';
/** The PWG semantic-model namespace (conventional prefix `pwg`). */
export const PWG_NS = 'http://www.pwg.org/schemas/2010/12/sm';

/** Largest XML document accepted from a device; real capabilities are under 20 KiB. */
export const MAX_XML_BYTES = 2 * 1024 * 1024;
/** Deepest element nesting accepted; eSCL documents are about 8 levels deep. */
export const MAX_XML_DEPTH = 48;

/** One element with its namespace resolved (the guarded reader's element, without the QName scope eSCL never needs). */
export type XmlElement = Omit<NsElement, 'scope'>;

const readXml = createXmlReader({ maxBytes: MAX_XML_BYTES, maxDepth: MAX_XML_DEPTH });

/** Parses a device document into a namespace-resolved tree; anything unsafe or malformed is a ProtocolError. */
export function parseXmlDocument(xml: string, what: string): XmlElement {
  return readXml(xml, what);
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
