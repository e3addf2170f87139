/**
 * WS-Scan job operations (PROTOCOLS.md B.4): ValidateScanTicket, CreateScanJob, RetrieveImage,
 * CancelJob, GetActiveJobs, as request builders and response parsers. Pure.
 */
import { protocolError } from '../../core/errors.js';
import { escapeXml, isNs, nsBool, nsChild, nsChildren, nsInt, nsText, type NsElement } from '../../xml/namespaced-xml.js';
import { throwIfFault } from './faults.js';
import { SCAN_NS, XOP_NS, scanAction } from './namespaces.js';
import { buildSoapRequest, parseSoapEnvelope, type SoapEnvelope, type SoapRequest } from './soap.js';

const SCAN_PREFIX = { wscn: SCAN_NS } as const;
/** Longest JobToken accepted; tokens are short opaque strings. */
export const MAX_JOB_TOKEN_CHARS = 1024;

/** Pixel geometry the device announces for a job's front side. */
export interface WsdImageInfo {
  pixelsPerLine?: number;
  numberOfLines?: number;
  bytesPerLine?: number;
}

/** What CreateScanJob returned. */
export interface CreatedScanJob {
  jobId: number;
  jobToken: string;
  image: WsdImageInfo;
  /** The Format the device will really send (DocumentFinalParameters), when it says. */
  finalFormat?: string;
  finalResolution?: number;
}

/** One entry of GetActiveJobs. */
export interface ActiveJob {
  jobId: number;
  state?: string;
}

/** Identity of a panel-started job (ScanAvailableEvent), sent with CreateScanJob. */
export interface PanelJobIdentity {
  scanIdentifier: string;
  /** The token of the destination chosen; sent when the subscription gave one. */
  destinationToken?: string;
}

/** ValidateScanTicketRequest around a serialised `wscn:ScanTicket`. */
export function buildValidateScanTicket(serviceUrl: string, ticketXml: string): SoapRequest {
  return op(serviceUrl, 'ValidateScanTicket', `<wscn:ValidateScanTicketRequest>${ticketXml}</wscn:ValidateScanTicketRequest>`);
}

/** CreateScanJobRequest: ScanIdentifier and DestinationToken (panel jobs only) precede the ticket. */
export function buildCreateScanJob(serviceUrl: string, ticketXml: string, panel?: PanelJobIdentity): SoapRequest {
  const identity = panel
    ? `<wscn:ScanIdentifier>${escapeXml(panel.scanIdentifier)}</wscn:ScanIdentifier>` +
      (panel.destinationToken === undefined ? '' : `<wscn:DestinationToken>${escapeXml(panel.destinationToken)}</wscn:DestinationToken>`)
    : '';
  return op(serviceUrl, 'CreateScanJob', `<wscn:CreateScanJobRequest>${identity}${ticketXml}</wscn:CreateScanJobRequest>`);
}

/** RetrieveImageRequest for the next image of a job. */
export function buildRetrieveImage(serviceUrl: string, job: { jobId: number; jobToken: string }, documentName: string): SoapRequest {
  return op(
    serviceUrl,
    'RetrieveImage',
    `<wscn:RetrieveImageRequest><wscn:JobId>${job.jobId}</wscn:JobId><wscn:JobToken>${escapeXml(job.jobToken)}</wscn:JobToken>` +
      `<wscn:DocumentDescription><wscn:DocumentName>${escapeXml(documentName)}</wscn:DocumentName></wscn:DocumentDescription></wscn:RetrieveImageRequest>`,
  );
}

/** CancelJobRequest. */
export function buildCancelJob(serviceUrl: string, jobId: number): SoapRequest {
  return op(serviceUrl, 'CancelJob', `<wscn:CancelJobRequest><wscn:JobId>${jobId}</wscn:JobId></wscn:CancelJobRequest>`);
}

/** GetActiveJobsRequest (empty). */
export function buildGetActiveJobs(serviceUrl: string): SoapRequest {
  return op(serviceUrl, 'GetActiveJobs', '<wscn:GetActiveJobsRequest/>');
}

function op(serviceUrl: string, name: string, body: string): SoapRequest {
  return buildSoapRequest({ action: scanAction(name), to: serviceUrl }, body, SCAN_PREFIX);
}

/** Parses a response envelope, throws the device's fault, and returns the expected body element. */
export function responseBody(xml: string, operation: string): NsElement {
  const envelope = parseSoapEnvelope(xml, `${operation}Response`);
  return expectBody(envelope, operation);
}

/** The `{scan}<operation>Response` element of an envelope, after fault checking. */
export function expectBody(envelope: SoapEnvelope, operation: string): NsElement {
  throwIfFault(envelope, operation);
  const body = envelope.payload;
  if (!body || !isNs(body, SCAN_NS, `${operation}Response`)) throw protocolError(`${operation}: unexpected response body ${body?.name ?? '(empty)'}`);
  return body;
}

/** Reads CreateScanJobResponse. */
export function parseCreateScanJobResponse(xml: string): CreatedScanJob {
  const body = responseBody(xml, 'CreateScanJob');
  const jobId = nsInt(body, SCAN_NS, 'JobId');
  const jobToken = nsText(body, SCAN_NS, 'JobToken');
  if (jobId === undefined || jobId < 0) throw protocolError('CreateScanJob: response without a valid JobId');
  if (jobToken === undefined || jobToken.length > MAX_JOB_TOKEN_CHARS) throw protocolError('CreateScanJob: response without a valid JobToken');
  const job: CreatedScanJob = { jobId, jobToken, image: readImageInfo(nsChild(body, SCAN_NS, 'ImageInformation')) };
  const final = nsChild(body, SCAN_NS, 'DocumentFinalParameters');
  const format = nsText(final, SCAN_NS, 'Format');
  if (format !== undefined) job.finalFormat = format.slice(0, 64);
  const front = nsChild(nsChild(final, SCAN_NS, 'MediaSides'), SCAN_NS, 'MediaFront');
  const resolution = nsInt(nsChild(front, SCAN_NS, 'Resolution'), SCAN_NS, 'Width');
  if (resolution !== undefined && resolution > 0) job.finalResolution = resolution;
  return job;
}

/** Reads ValidateScanTicketResponse: whether the ticket is valid, and the image geometry. */
export function parseValidateScanTicketResponse(xml: string): { valid: boolean; image: WsdImageInfo } {
  const info = nsChild(responseBody(xml, 'ValidateScanTicket'), SCAN_NS, 'ValidationInfo');
  const valid = nsBool(info, SCAN_NS, 'ValidTicket');
  if (valid === undefined) throw protocolError('ValidateScanTicket: response without ValidTicket');
  return { valid, image: readImageInfo(nsChild(info, SCAN_NS, 'ImageInformation')) };
}

/** Reads GetActiveJobsResponse. */
export function parseGetActiveJobsResponse(xml: string): ActiveJob[] {
  const jobs = nsChild(responseBody(xml, 'GetActiveJobs'), SCAN_NS, 'ActiveJobs');
  const out: ActiveJob[] = [];
  for (const job of nsChildren(jobs, SCAN_NS, 'Job').slice(0, 256)) {
    const status = nsChild(job, SCAN_NS, 'JobStatus') ?? job;
    const jobId = nsInt(status, SCAN_NS, 'JobId');
    if (jobId === undefined) continue;
    const state = nsText(status, SCAN_NS, 'JobState');
    out.push(state === undefined ? { jobId } : { jobId, state: state.slice(0, 64) });
  }
  return out;
}

/** Checks CancelJobResponse (empty on success). */
export function parseCancelJobResponse(xml: string): void {
  responseBody(xml, 'CancelJob');
}

/** The `cid:` the RetrieveImageResponse's xop:Include points at, without `cid:`, `<>` or URL escapes. */
export function imageContentId(envelope: SoapEnvelope): string | undefined {
  const body = expectBody(envelope, 'RetrieveImage');
  const include = nsChild(nsChild(body, SCAN_NS, 'ScanData'), XOP_NS, 'Include');
  const href = include?.attrs.href;
  return href === undefined ? undefined : normaliseContentId(href);
}

/** `cid:ID%40host` / `<ID@host>` → `ID@host`, the form both sides of an MTOM reference compare in. */
export function normaliseContentId(value: string): string {
  const bare = value.trim().replace(/^cid:/i, '').replace(/^<|>$/g, '');
  try {
    return decodeURIComponent(bare);
  } catch {
    return bare;
  }
}

function readImageInfo(el: NsElement | undefined): WsdImageInfo {
  const front = nsChild(el, SCAN_NS, 'MediaFrontImageInfo');
  const out: WsdImageInfo = {};
  const ppl = nsInt(front, SCAN_NS, 'PixelsPerLine');
  if (ppl !== undefined && ppl > 0) out.pixelsPerLine = ppl;
  const lines = nsInt(front, SCAN_NS, 'NumberOfLines');
  if (lines !== undefined && lines > 0) out.numberOfLines = lines;
  const bpl = nsInt(front, SCAN_NS, 'BytesPerLine');
  if (bpl !== undefined && bpl > 0) out.bytesPerLine = bpl;
  return out;
}
