/**
 * Notifications a WS-Scan device POSTs to a subscriber (PROTOCOLS.md B.7): ScanAvailableEvent
 * (a panel press), ScannerStatusSummaryEvent, ScannerStatusConditionEvent and its Cleared twin,
 * JobEndStateEvent, and WS-Eventing's SubscriptionEnd. Pure.
 */
import type { ScanSource } from '../../core/capabilities.js';
import { protocolError } from '../../core/errors.js';
import { isNs, nsChild, nsText, type NsElement } from '../../xml/namespaced-xml.js';
import { managerOf, MAX_EVENTING_TOKEN_CHARS } from './eventing.js';
import { SCAN_NS, WSE_NS } from './namespaces.js';
import { parseSoapEnvelope, type SoapEnvelope } from './soap.js';
import { readScannerStatus, type WsdCondition, type WsdStatus } from './status.js';

/** The action URI of a WS-Scan event, e.g. `scanEventAction('ScanAvailableEvent')`. */
export function scanEventAction(name: string): string {
  return `${SCAN_NS}/${name}`;
}

/** The event that announces a panel press. */
export const SCAN_AVAILABLE_ACTION = scanEventAction('ScanAvailableEvent');
/** Status pushes asked for beside the panel (one filter, several actions). */
export const STATUS_EVENT_ACTIONS: readonly string[] = ['ScannerStatusSummaryEvent', 'ScannerStatusConditionEvent', 'ScannerStatusConditionClearedEvent'].map(scanEventAction);

/** WS-Scan InputSource values → the normalised sources. */
const INPUT_SOURCES: Readonly<Record<string, ScanSource>> = { Platen: 'platen', ADF: 'adf', ADFDuplex: 'adf_duplex', ADFFront: 'adf' };

/** A press on the panel: the destination chosen (by its context) and the job's identifier. */
export interface ScanAvailable {
  kind: 'scan_available';
  clientContext: string;
  scanIdentifier: string;
  /** What the panel chose, when the device says (Samsung sends InputSource). */
  inputSource?: ScanSource;
}

/** A notification, as the subscriber acts on it. */
export type WsdNotification =
  | ScanAvailable
  | { kind: 'status_summary'; status: WsdStatus }
  | { kind: 'condition'; condition: WsdCondition }
  | { kind: 'condition_cleared'; conditionId?: string }
  | { kind: 'job_end'; jobId?: string; state?: string }
  | { kind: 'subscription_end'; managerUrl?: string; identifier?: string; status?: string }
  | { kind: 'other'; action: string };

/** Reads a notification envelope; malformed or incomplete events are ProtocolErrors. */
export function parseNotification(xml: string): WsdNotification {
  return readNotification(parseSoapEnvelope(xml, 'event'));
}

/** Reads an already parsed notification envelope (the body element decides, the action is a fallback). */
export function readNotification(envelope: SoapEnvelope): WsdNotification {
  const body = envelope.payload;
  if (!body) throw protocolError('event: empty SOAP Body');
  if (isNs(body, SCAN_NS, 'ScanAvailableEvent')) return readScanAvailable(body);
  if (isNs(body, SCAN_NS, 'ScannerStatusSummaryEvent')) return { kind: 'status_summary', status: readScannerStatus(nsChild(body, SCAN_NS, 'StatusSummary')) };
  if (isNs(body, SCAN_NS, 'ScannerStatusConditionEvent')) return readCondition(nsChild(body, SCAN_NS, 'DeviceCondition'));
  if (isNs(body, SCAN_NS, 'ScannerStatusConditionClearedEvent')) {
    const id = short(nsText(nsChild(body, SCAN_NS, 'DeviceConditionCleared'), SCAN_NS, 'ConditionId'));
    return id === undefined ? { kind: 'condition_cleared' } : { kind: 'condition_cleared', conditionId: id };
  }
  if (isNs(body, SCAN_NS, 'JobEndStateEvent')) {
    const end = nsChild(body, SCAN_NS, 'JobEndState');
    const event: WsdNotification = { kind: 'job_end' };
    const jobId = short(nsText(end, SCAN_NS, 'JobId'));
    if (jobId !== undefined) event.jobId = jobId;
    const state = short(nsText(end, SCAN_NS, 'JobCompletedState') ?? nsText(end, SCAN_NS, 'JobState'));
    if (state !== undefined) event.state = state;
    return event;
  }
  if (isNs(body, WSE_NS, 'SubscriptionEnd')) {
    const status = short(nsText(body, WSE_NS, 'Status'));
    return { kind: 'subscription_end', ...managerOf(body), ...(status !== undefined ? { status } : {}) };
  }
  return { kind: 'other', action: (envelope.action ?? body.name).slice(0, 256) };
}

function readScanAvailable(body: NsElement): ScanAvailable {
  const clientContext = nsText(body, SCAN_NS, 'ClientContext');
  const scanIdentifier = nsText(body, SCAN_NS, 'ScanIdentifier');
  if (!clientContext || clientContext.length > MAX_EVENTING_TOKEN_CHARS) throw protocolError('ScanAvailableEvent: no usable ClientContext');
  if (!scanIdentifier || scanIdentifier.length > MAX_EVENTING_TOKEN_CHARS) throw protocolError('ScanAvailableEvent: no usable ScanIdentifier');
  const event: ScanAvailable = { kind: 'scan_available', clientContext, scanIdentifier };
  const source = INPUT_SOURCES[nsText(body, SCAN_NS, 'InputSource') ?? ''];
  if (source) event.inputSource = source;
  return event;
}

function readCondition(el: NsElement | undefined): WsdNotification {
  const name = nsText(el, SCAN_NS, 'Name');
  if (!name || name.length > 64) throw protocolError('ScannerStatusConditionEvent: no usable condition Name');
  const condition: WsdCondition = { name };
  const component = short(nsText(el, SCAN_NS, 'Component'));
  if (component !== undefined) condition.component = component;
  const severity = short(nsText(el, SCAN_NS, 'Severity'));
  if (severity !== undefined) condition.severity = severity;
  return { kind: 'condition', condition };
}

function short(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text.slice(0, 64);
}
