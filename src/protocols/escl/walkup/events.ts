/**
 * The device's event table and the walk-up dialogue state (pure). A press on the panel shows
 * as a `ScanEvent` whose payloads name the chosen destination and the WalkupScanToCompEvent
 * resource; its AgingStamp tells a new event from one already seen (the table keeps the last
 * event of each category, so the same ScanEvent comes back with every later change).
 */
import { protocolError } from '../../../core/errors.js';
import { child, childInt, childText, childrenOf, isElement, parseXmlDocument } from '../xml.js';
import { DD_NS, EVENTS_NS, WALKUP_NS, walkupResourcePath } from './ledm-xml.js';

/** Events read from one table at most; real tables hold about ten. */
export const MAX_TABLE_EVENTS = 256;

/** A ScanEvent from the table: which destination, and where the dialogue state is read. */
export interface WalkupScanEvent {
  agingStamp: string;
  /** Path of the destination chosen on the panel. */
  destinationPath: string;
  /** Path of the WalkupScanToCompEvent resource, when the event names it. */
  compEventPath?: string;
}

/** The panel's dialogue state: HostSelected (computer picked), ScanRequested (start pressed), … */
export type CompEventType = 'HostSelected' | 'ScanRequested' | 'ScanNewPageRequested' | 'ScanPagesComplete' | 'other';

/** What the walk-up capabilities say. */
export interface WalkupCaps {
  /** How many network destinations the device keeps, when it says. */
  maxDestinations?: number;
  shortcuts: string[];
}

/** The ScanEvents of an event table (other categories are of no use here). */
export function parseEventTable(xml: string): WalkupScanEvent[] {
  const root = parseXmlDocument(xml, 'EventTable');
  if (!isElement(root, EVENTS_NS, 'EventTable')) throw protocolError(`EventTable: unexpected root <${root.name}>`);
  const events = childrenOf(root, EVENTS_NS, 'Event');
  if (events.length > MAX_TABLE_EVENTS) throw protocolError(`EventTable: more than ${MAX_TABLE_EVENTS} events`);
  const out: WalkupScanEvent[] = [];
  for (const event of events) {
    if (childText(event, DD_NS, 'UnqualifiedEventCategory') !== 'ScanEvent') continue;
    const agingStamp = childText(event, DD_NS, 'AgingStamp');
    if (agingStamp === undefined || agingStamp.length > 64) continue;
    let destinationPath: string | undefined;
    let compEventPath: string | undefined;
    for (const payload of childrenOf(event, EVENTS_NS, 'Payload')) {
      const type = childText(payload, DD_NS, 'ResourceType') ?? '';
      const uri = childText(payload, DD_NS, 'ResourceURI');
      if (uri === undefined) continue;
      try {
        if (/WalkupScanToCompDestination$/.test(type)) destinationPath = walkupResourcePath(uri, 'ScanEvent');
        else if (/WalkupScanToCompEvent$/.test(type)) compEventPath = walkupResourcePath(uri, 'ScanEvent');
      } catch {
        // A payload pointing elsewhere is not followed; the event then names no destination of ours.
      }
    }
    // A ScanEvent of the older WalkupScan flow names no WalkupScanToComp destination: not ours.
    if (destinationPath === undefined) continue;
    out.push({ agingStamp, destinationPath, ...(compEventPath !== undefined ? { compEventPath } : {}) });
  }
  return out;
}

/** Reads a WalkupScanToCompEvent document. */
export function parseCompEvent(xml: string): CompEventType {
  const root = parseXmlDocument(xml, 'WalkupScanToCompEvent');
  if (!isElement(root, WALKUP_NS, 'WalkupScanToCompEvent')) throw protocolError(`WalkupScanToCompEvent: unexpected root <${root.name}>`);
  const type = childText(root, WALKUP_NS, 'WalkupScanToCompEventType');
  switch (type) {
    case 'HostSelected':
    case 'ScanRequested':
    case 'ScanNewPageRequested':
    case 'ScanPagesComplete':
      return type;
    default:
      return 'other';
  }
}

/** Reads WalkupScanToCompCaps (some devices send it without namespace declarations). */
export function parseWalkupCaps(xml: string): WalkupCaps {
  const root = parseXmlDocument(xml, 'WalkupScanToCompCaps');
  if (!isElement(root, WALKUP_NS, 'WalkupScanToCompCaps')) throw protocolError(`WalkupScanToCompCaps: unexpected root <${root.name}>`);
  const caps: WalkupCaps = { shortcuts: [] };
  const max = childInt(root, WALKUP_NS, 'MaxNetworkDestinations');
  if (max !== undefined && max > 0 && max <= 1000) caps.maxDestinations = max;
  for (const shortcut of childrenOf(child(root, WALKUP_NS, 'ShortcutSupport'), WALKUP_NS, 'Shortcut')) {
    if (/^[A-Za-z0-9_]{1,40}$/.test(shortcut.text)) caps.shortcuts.push(shortcut.text);
  }
  return caps;
}
