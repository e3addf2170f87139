/** WS-Scan ScannerStatus → the normalised ScannerStatus (PROTOCOLS.md B.6). Pure. */
import { protocolError } from '../../core/errors.js';
import type { AdfState, ScannerState, ScannerStatus } from '../../core/status.js';
import { isNs, nsChild, nsChildren, nsText, type NsElement } from '../../xml/namespaced-xml.js';
import { SCAN_NS } from './namespaces.js';

/** One ActiveConditions/DeviceCondition entry. */
export interface WsdCondition {
  name: string;
  component?: string;
  severity?: string;
}

/** A read ScannerStatus: the normalised status and the device's conditions. */
export interface WsdStatus {
  status: ScannerStatus;
  conditions: WsdCondition[];
}

/** Most conditions and reasons read; a device lists a handful. */
export const MAX_STATUS_ENTRIES = 32;

const STATES: Readonly<Record<string, ScannerState>> = { Idle: 'idle', Processing: 'processing', Stopped: 'stopped' };

/** Condition and reason names that describe the feeder, by what they say about it. */
const ADF_CONDITIONS: Readonly<Record<string, AdfState>> = {
  InputTrayEmpty: 'empty',
  MediaJam: 'jam',
  MultipleFeedError: 'jam',
  CoverOpen: 'open',
  InterlockOpen: 'open',
};

/** Reasons that are passing states: CreateScanJob is worth retrying while they last. */
export const TEMPORARY_REASONS: ReadonlySet<string> = new Set(['Calibrating', 'LampWarming']);

/** Reads a ScannerStatus element (from GetScannerElements or an event). */
export function readScannerStatus(el: NsElement | undefined): WsdStatus {
  if (!isNs(el, SCAN_NS, 'ScannerStatus') && !isNs(el, SCAN_NS, 'StatusSummary')) throw protocolError('ScannerStatus: element missing');
  const rawState = nsText(el, SCAN_NS, 'ScannerState');
  if (rawState === undefined) throw protocolError('ScannerStatus: no ScannerState');
  const reasons = nsChildren(nsChild(el, SCAN_NS, 'ScannerStateReasons'), SCAN_NS, 'ScannerStateReason')
    .map((r) => r.text)
    .filter((r) => r !== '' && r !== 'None' && r.length <= 64)
    .slice(0, MAX_STATUS_ENTRIES);
  const mapped = STATES[rawState];
  // An unknown state is kept visible in reasons rather than guessed into idle.
  if (mapped === undefined) reasons.push(rawState.slice(0, 64));
  const conditions = nsChildren(nsChild(el, SCAN_NS, 'ActiveConditions'), SCAN_NS, 'DeviceCondition').slice(0, MAX_STATUS_ENTRIES).flatMap(readCondition);
  const status: ScannerStatus = { state: mapped ?? 'stopped', adf: adfState(reasons, conditions) };
  const all = [...new Set([...reasons, ...conditions.map((c) => c.name)])];
  if (all.length > 0) status.reasons = all;
  return { status, conditions };
}

function readCondition(el: NsElement): WsdCondition[] {
  const name = nsText(el, SCAN_NS, 'Name');
  if (name === undefined || name.length > 64) return [];
  const condition: WsdCondition = { name };
  const component = nsText(el, SCAN_NS, 'Component');
  if (component !== undefined) condition.component = component.slice(0, 64);
  const severity = nsText(el, SCAN_NS, 'Severity');
  if (severity !== undefined) condition.severity = severity.slice(0, 64);
  return [condition];
}

/**
 * The feeder's state, when the device says something about it: an ADF condition, or a jam
 * among the reasons. WS-Scan has no "loaded" report, so silence stays null, never a guess.
 */
function adfState(reasons: readonly string[], conditions: readonly WsdCondition[]): AdfState | null {
  for (const c of conditions) {
    const state = ADF_CONDITIONS[c.name];
    // An open cover may be the platen lid; only a feeder component says it is the feeder's.
    const aboutFeeder = c.component !== undefined && /^ADF/i.test(c.component);
    if (state && (aboutFeeder || (c.component === undefined && state !== 'open'))) return state;
  }
  if (reasons.includes('MediaJam') || reasons.includes('MultipleFeedError')) return 'jam';
  return null;
}
