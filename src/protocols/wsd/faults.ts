/**
 * SOAP faults (PROTOCOLS.md B.6) → typed ScanErrors. Faults may come with HTTP 200 (Lexmark
 * MB2236adw, Xerox WorkCentre 3225), so every response is checked for one before its success
 * shape is read. Prefixes differ (`wscn:`, `wprt:`), so subcodes compare by local name. Pure.
 */
import { ScanError, type ErrorCode } from '../../core/errors.js';
import { escapeXml, nsChild, nsChildren, resolveQNames, type NsElement } from '../../xml/namespaced-xml.js';
import { SOAP11_NS, WSA_FAULT_ACTION } from './namespaces.js';
import type { SoapEnvelope } from './soap.js';

/** What a device's fault said. */
export interface SoapFault {
  /** `Sender` / `Receiver` (SOAP 1.2) or `Client` / `Server` (SOAP 1.1), local name. */
  code: string;
  /** The innermost subcode's local name, e.g. `ClientErrorNoImagesAvailable`. */
  subcode?: string;
  /** Every subcode, outermost first. */
  subcodes: string[];
  reason?: string;
}

/** Longest fault reason kept in a message; devices put whole stack traces there. */
export const MAX_FAULT_REASON_CHARS = 300;
/** Deepest Subcode chain read; the spec allows nesting, devices use one or two. */
const MAX_SUBCODE_DEPTH = 8;

/** A SOAP fault from the device, as a ScanError carrying the fault. */
export class WsdFaultError extends ScanError {
  readonly fault: SoapFault;

  constructor(code: ErrorCode, message: string, fault: SoapFault) {
    super(code, message);
    this.name = 'WsdFaultError';
    this.fault = fault;
  }
}

/** The fault in an envelope, or undefined when it is not one (the body's first element or the fault action decides). */
export function readFault(envelope: SoapEnvelope): SoapFault | undefined {
  const el = envelope.payload;
  const isFault = el !== undefined && el.name === 'Fault' && el.ns === envelope.soapNs;
  if (!isFault) {
    if (envelope.action === WSA_FAULT_ACTION) return { code: 'Receiver', subcodes: [], reason: 'addressing fault without a Fault body' };
    return undefined;
  }
  return envelope.soapNs === SOAP11_NS ? readSoap11Fault(el) : readSoap12Fault(el, envelope.soapNs);
}

function readSoap12Fault(el: NsElement, ns: string): SoapFault {
  const codeEl = nsChild(el, ns, 'Code');
  const fault: SoapFault = { code: qnameLocal(codeEl, ns) ?? 'Receiver', subcodes: [] };
  let sub = nsChild(codeEl, ns, 'Subcode');
  for (let depth = 0; sub && depth < MAX_SUBCODE_DEPTH; depth += 1) {
    const name = qnameLocal(sub, ns);
    if (name !== undefined) fault.subcodes.push(name);
    sub = nsChild(sub, ns, 'Subcode');
  }
  const last = fault.subcodes.at(-1);
  if (last !== undefined) fault.subcode = last;
  const texts = nsChildren(nsChild(el, ns, 'Reason'), ns, 'Text').map((t) => t.text).filter((t) => t !== '');
  const reason = texts[0];
  if (reason !== undefined) fault.reason = clip(reason);
  return fault;
}

function readSoap11Fault(el: NsElement): SoapFault {
  // SOAP 1.1 fault children are unqualified.
  const codeEl = el.children.find((c) => c.name === 'faultcode');
  const code = codeEl ? resolveQNames(codeEl, codeEl.text)[0]?.name : undefined;
  const fault: SoapFault = { code: code ?? 'Server', subcodes: [] };
  const reason = el.children.find((c) => c.name === 'faultstring')?.text;
  if (reason) fault.reason = clip(reason);
  return fault;
}

function qnameLocal(el: NsElement | undefined, ns: string): string | undefined {
  const value = nsChild(el, ns, 'Value');
  if (!value) return undefined;
  return resolveQNames(value, value.text)[0]?.name;
}

function clip(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > MAX_FAULT_REASON_CHARS ? `${clean.slice(0, MAX_FAULT_REASON_CHARS)}…` : clean;
}

/** Subcodes whose meaning is certain, by local name. */
const SUBCODE_CODES: ReadonlyArray<readonly [RegExp, ErrorCode, string]> = [
  [/^ClientErrorNoImagesAvailable$/, 'AdfEmpty', 'the scanner has no images to send (no paper in the feeder?)'],
  [/^ServerErrorNotAcceptingJobs$/, 'DeviceBusy', 'the scanner is not accepting jobs (busy, or "WSD scan" not selected on its panel)'],
  [/Busy/i, 'DeviceBusy', 'the scanner is busy'],
  [/^ServerErrorTemporaryError$/, 'DeviceBusy', 'the scanner reported a temporary error'],
  [/jam/i, 'AdfJam', 'paper jam in the document feeder'],
  [/(Cover|Door|Hatch|Interlock)Open/i, 'CoverOpen', 'a cover of the scanner is open'],
  [/(OutOfPaper|MediaEmpty|NoPaper|InputTrayEmpty)/i, 'AdfEmpty', 'no paper in the document feeder'],
  [/^ClientErrorJobIdNotFound$/, 'NotFound', 'the scanner does not know this job'],
  [/^ClientErrorFormatNotSupported$/, 'InvalidRequest', 'the scanner does not support the requested format'],
  [/^ClientErrorInvalidScanIdentifier$/, 'InvalidRequest', 'the scan identifier from the panel expired'],
  // A Samsung spells it InvalidDetinationToken.
  [/^ClientErrorInvalidDe?s?t?inationToken$/i, 'InvalidRequest', 'the destination token is not valid (from an older subscription?)'],
  [/^(InvalidArgs|ClientErrorInvalid\w*|ClientError\w*NotSupported)$/, 'InvalidRequest', 'the scanner rejected the request'],
  [/^(ActionNotSupported|DestinationUnreachable|EndpointUnavailable)$/, 'ProtocolError', 'the scanner does not offer this operation here (wrong service URL?)'],
  [/^(AccessDenied|FailedAuthentication|NotAuthorized)$/i, 'AccessDenied', 'the scanner refused access'],
  [/^(ServerErrorInternalError|OperationFailed)$/, 'DeviceError', 'the scanner reported an internal error'],
];

/** The ScanError for a fault received in answer to `operation`. */
export function faultToError(fault: SoapFault, operation: string): WsdFaultError {
  const detail = [fault.subcode ?? fault.code, fault.reason].filter((s) => s !== undefined && s !== '').join(': ');
  for (const name of [...fault.subcodes].reverse()) {
    const hit = SUBCODE_CODES.find(([pattern]) => pattern.test(name));
    if (hit) return new WsdFaultError(hit[1], `${operation}: ${hit[2]} (${detail})`, fault);
  }
  // A device without a useful subcode may still say what is wrong in the reason text.
  const reason = fault.reason ?? '';
  if (/jam/i.test(reason)) return new WsdFaultError('AdfJam', `${operation}: paper jam (${detail})`, fault);
  if (/busy/i.test(reason)) return new WsdFaultError('DeviceBusy', `${operation}: the scanner is busy (${detail})`, fault);
  if (/(no|out of) (paper|media|document)/i.test(reason)) return new WsdFaultError('AdfEmpty', `${operation}: no paper (${detail})`, fault);
  const code: ErrorCode = /^(Sender|Client)$/.test(fault.code) ? 'InvalidRequest' : 'DeviceError';
  return new WsdFaultError(code, `${operation}: the scanner answered with a SOAP fault (${detail})`, fault);
}

/** Throws the mapped error when `envelope` is a fault; otherwise returns nothing. */
export function throwIfFault(envelope: SoapEnvelope, operation: string): void {
  const fault = readFault(envelope);
  if (fault) throw faultToError(fault, operation);
}

/** Serialises a SOAP 1.2 fault body (for the simulator and for replies to devices). */
export function buildFaultBody(subcodeQName: string, reason: string, code: 'Sender' | 'Receiver' = 'Sender'): string {
  return (
    `<soap:Fault><soap:Code><soap:Value>soap:${code}</soap:Value>` +
    `<soap:Subcode><soap:Value>${subcodeQName}</soap:Value></soap:Subcode></soap:Code>` +
    `<soap:Reason><soap:Text xml:lang="en">${escapeXml(reason)}</soap:Text></soap:Reason></soap:Fault>`
  );
}
