/**
 * Safe, namespace-aware reading of SOAP documents (WSD: WS-Discovery, DPWS metadata, WS-Scan).
 * Devices pick their own prefixes (`soap:`, `SOAP-ENV:`, `scan:`, `wscn:`), so elements are
 * matched by namespace URI, never by prefix. fast-xml-parser only knows prefixes, so this file
 * resolves `xmlns` declarations (in guarded-xml.ts, with the eSCL reader's hostile-input guards).
 */
import { createXmlReader, splitQName, type NsElement } from './guarded-xml.js';

export type { NsElement } from './guarded-xml.js';

/** Largest SOAP document accepted; real WSD metadata is about 22 KiB, scanner elements about 11 KiB. */
export const MAX_SOAP_XML_BYTES = 2 * 1024 * 1024;
/** Deepest element nesting accepted; WS-Scan responses nest about 12 levels. */
export const MAX_SOAP_XML_DEPTH = 48;

/**
 * The Microsoft WSD documentation renders namespace URIs as `https://…`; real devices use
 * `http://`. Reading the documented spelling as the real one lets the spec samples parse.
 */
export function normaliseNamespace(uri: string): string {
  return uri.replace(/^https:\/\/(schemas\.xmlsoap\.org|www\.w3\.org|schemas\.microsoft\.com)\//i, 'http://$1/');
}

/** Parses a SOAP document into a namespace-resolved tree; anything unsafe or malformed is a ProtocolError. */
export const parseNsXml = createXmlReader({ maxBytes: MAX_SOAP_XML_BYTES, maxDepth: MAX_SOAP_XML_DEPTH, normaliseNamespace });

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
