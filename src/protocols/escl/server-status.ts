/**
 * ScannerStatus (with its job list) and ScanImageInfo documents for the gateway's own eSCL
 * server (from-domain). Pure. The client side reads the same documents with status.ts.
 */
import type { AdfState, PublishedScannerState } from '../../core/status.js';
import { ESCL_NS, PWG_NS, escapeXmlText } from './xml.js';
import { SERVER_ESCL_VERSION } from './server-capabilities.js';

/** eSCL job states (PWG JobState). */
export type EsclJobState = 'Pending' | 'Processing' | 'Completed' | 'Canceled' | 'Aborted';

/** One job as a ScannerStatus lists it. */
export interface ServedJobInfo {
  /** Path of the job, `/eSCL/ScanJobs/<uuid>`. */
  uri: string;
  uuid: string;
  /** Seconds since the job last changed. */
  age: number;
  imagesCompleted: number;
  imagesToTransfer: number;
  state: EsclJobState;
  stateReasons: string[];
}

/** What a ScannerStatus says. */
export interface ServedStatus {
  state: PublishedScannerState;
  /** The feeder's state; null when the scanner has no feeder. */
  adf: AdfState | null;
  jobs: readonly ServedJobInfo[];
}

const STATE_NAMES: Readonly<Record<PublishedScannerState, string>> = { idle: 'Idle', processing: 'Processing', stopped: 'Stopped', offline: 'Down' };

/**
 * Feeder states as eSCL names them. `unknown` (a device that cannot tell, like SANE's test
 * backend) is reported as loaded: SANE's escl backend refuses a feeder scan unless it reads
 * ScannerAdfLoaded, and the scan itself then says whether paper was there.
 */
const ADF_NAMES: Readonly<Record<AdfState, string>> = {
  loaded: 'ScannerAdfLoaded',
  empty: 'ScannerAdfEmpty',
  jam: 'ScannerAdfJam',
  open: 'ScannerAdfHatchOpen',
  unknown: 'ScannerAdfLoaded',
};

/** Builds a ScannerStatus document. */
export function encodeScannerStatus(status: ServedStatus): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<scan:ScannerStatus xmlns:scan="${ESCL_NS}" xmlns:pwg="${PWG_NS}">`,
    `  <pwg:Version>${SERVER_ESCL_VERSION}</pwg:Version>`,
    `  <pwg:State>${STATE_NAMES[status.state]}</pwg:State>`,
  ];
  if (status.adf !== null) lines.push(`  <scan:AdfState>${ADF_NAMES[status.adf]}</scan:AdfState>`);
  if (status.jobs.length > 0) {
    lines.push('  <scan:Jobs>');
    for (const job of status.jobs) lines.push(...jobInfo(job));
    lines.push('  </scan:Jobs>');
  }
  lines.push('</scan:ScannerStatus>', '');
  return lines.join('\n');
}

function jobInfo(job: ServedJobInfo): string[] {
  return [
    '    <scan:JobInfo>',
    `      <pwg:JobUri>${escapeXmlText(job.uri)}</pwg:JobUri>`,
    `      <pwg:JobUuid>${escapeXmlText(job.uuid)}</pwg:JobUuid>`,
    `      <scan:Age>${Math.max(0, Math.floor(job.age))}</scan:Age>`,
    `      <pwg:ImagesCompleted>${job.imagesCompleted}</pwg:ImagesCompleted>`,
    `      <pwg:ImagesToTransfer>${job.imagesToTransfer}</pwg:ImagesToTransfer>`,
    `      <pwg:JobState>${job.state}</pwg:JobState>`,
    '      <pwg:JobStateReasons>',
    ...job.stateReasons.map((r) => `        <pwg:JobStateReason>${escapeXmlText(r)}</pwg:JobStateReason>`),
    '      </pwg:JobStateReasons>',
    '    </scan:JobInfo>',
  ];
}

/** What ScanImageInfo says about the last page handed out. */
export interface ServedImageInfo {
  jobUri: string;
  jobUuid: string;
  widthPx: number;
  heightPx: number;
  bytesPerLine: number;
}

/** Builds a ScanImageInfo document. */
export function encodeScanImageInfo(info: ServedImageInfo): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<scan:ScanImageInfo xmlns:scan="${ESCL_NS}" xmlns:pwg="${PWG_NS}">`,
    `  <pwg:JobUri>${escapeXmlText(info.jobUri)}</pwg:JobUri>`,
    `  <pwg:JobUuid>${escapeXmlText(info.jobUuid)}</pwg:JobUuid>`,
    `  <scan:ActualWidth>${info.widthPx}</scan:ActualWidth>`,
    `  <scan:ActualHeight>${info.heightPx}</scan:ActualHeight>`,
    `  <scan:ActualBytesPerLine>${info.bytesPerLine}</scan:ActualBytesPerLine>`,
    '</scan:ScanImageInfo>',
    '',
  ].join('\n');
}
