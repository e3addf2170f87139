/**
 * Gives a served capabilities document another identity, so two simulators
 * built from one fixture look like two devices (gateways merge by UUID).
 */
import { escapeXml } from './status-xml.js';

/** Identity overrides; absent fields leave the fixture's bytes untouched. */
export interface CapabilitiesIdentity {
  readonly uuid?: string;
  readonly makeAndModel?: string;
}

/** Replaces the text of scan:UUID and pwg:MakeAndModel (any prefix); a fixture without the element is left as is. */
export function personalizeCapabilities(xml: string, identity: CapabilitiesIdentity): string {
  let result = xml;
  if (identity.uuid !== undefined) result = replaceElementText(result, 'UUID', identity.uuid);
  if (identity.makeAndModel !== undefined) result = replaceElementText(result, 'MakeAndModel', identity.makeAndModel);
  return result;
}

function replaceElementText(xml: string, localName: string, text: string): string {
  const pattern = new RegExp(`(<(?:[\\w.-]+:)?${localName}>)[^<]*(</(?:[\\w.-]+:)?${localName}>)`);
  return xml.replace(pattern, (_match, open: string, close: string) => `${open}${escapeXml(text)}${close}`);
}
