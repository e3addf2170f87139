/**
 * Scan-to-Computer destinations (pure): the body POSTed to register one, and the device's
 * answers when it is read back, alone or in the list. What the panel chose for a press
 * (simplex/duplex, the shortcut such as SavePDF or SavePhoto1) is in the destination's
 * WalkupScanToCompSettings once the press happened.
 */
import { protocolError } from '../../../core/errors.js';
import { child, childText, childrenOf, escapeXmlText, isElement, parseXmlDocument, type XmlElement } from '../xml.js';
import { DD3_NS, DD_NS, SCANTYPE_NS, WALKUP_NS, walkupResourcePath } from './ledm-xml.js';

/** Longest Name/Hostname the gateway registers; panels show short labels. */
export const MAX_DESTINATION_LABEL_CHARS = 64;

/** One destination as the device describes it. */
export interface WalkupDestination {
  /** Path of the destination on the device, when the document tells it. */
  path?: string;
  /** The label shown on the panel. */
  name: string;
  hostname?: string;
  /** `Simplex` or `Duplex`, set by the panel at a press. */
  plexMode?: 'simplex' | 'duplex';
  /** The panel's shortcut, e.g. SavePDF, SaveJPEG, SaveDocument1, SavePhoto1. */
  shortcut?: string;
}

/** The registration body: a network destination named `name` (the panel label) for host `hostname`. */
export function buildDestinationXml(name: string, hostname: string): string {
  const label = (text: string, what: string) => {
    const clean = text.replace(/[\p{Cc}]/gu, ' ').trim();
    if (clean.length === 0) throw protocolError(`walk-up destination: empty ${what}`);
    return escapeXmlText(clean.slice(0, MAX_DESTINATION_LABEL_CHARS));
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<WalkupScanToCompDestination xmlns="${WALKUP_NS}">`,
    `<Hostname xmlns="${DD3_NS}">${label(hostname, 'hostname')}</Hostname>`,
    `<Name xmlns="${DD_NS}">${label(name, 'name')}</Name>`,
    '<LinkType>Network</LinkType>',
    '</WalkupScanToCompDestination>',
  ].join('');
}

/** Reads one WalkupScanToCompDestination document. */
export function parseDestination(xml: string): WalkupDestination {
  const root = parseXmlDocument(xml, 'WalkupScanToCompDestination');
  if (!isElement(root, WALKUP_NS, 'WalkupScanToCompDestination')) throw protocolError(`WalkupScanToCompDestination: unexpected root <${root.name}>`);
  return readDestination(root);
}

/** Reads the WalkupScanToCompDestinations list; entries without a name or path are skipped. */
export function parseDestinationList(xml: string): WalkupDestination[] {
  const root = parseXmlDocument(xml, 'WalkupScanToCompDestinations');
  if (!isElement(root, WALKUP_NS, 'WalkupScanToCompDestinations')) throw protocolError(`WalkupScanToCompDestinations: unexpected root <${root.name}>`);
  const out: WalkupDestination[] = [];
  for (const entry of childrenOf(root, WALKUP_NS, 'WalkupScanToCompDestination')) {
    try {
      const destination = readDestination(entry);
      if (destination.path !== undefined) out.push(destination);
    } catch {
      // One odd entry (another client's) must not hide the others.
    }
  }
  return out;
}

function readDestination(el: XmlElement): WalkupDestination {
  const name = childText(el, DD_NS, 'Name');
  if (name === undefined) throw protocolError('WalkupScanToCompDestination: no Name');
  const destination: WalkupDestination = { name };
  const uri = childText(el, DD_NS, 'ResourceURI');
  if (uri !== undefined) destination.path = walkupResourcePath(uri, 'WalkupScanToCompDestination');
  // Devices put Hostname in the 2009 dictionary; a few old documents use the 1.0 one.
  const hostname = childText(el, DD3_NS, 'Hostname') ?? childText(el, DD_NS, 'Hostname');
  if (hostname !== undefined) destination.hostname = hostname;
  const settings = child(el, WALKUP_NS, 'WalkupScanToCompSettings');
  const plex = childText(child(settings, SCANTYPE_NS, 'ScanSettings'), DD_NS, 'ScanPlexMode')?.toLowerCase();
  if (plex === 'simplex' || plex === 'duplex') destination.plexMode = plex;
  const shortcut = childText(settings, WALKUP_NS, 'Shortcut');
  if (shortcut !== undefined && /^[A-Za-z0-9_]{1,40}$/.test(shortcut)) destination.shortcut = shortcut;
  return destination;
}
