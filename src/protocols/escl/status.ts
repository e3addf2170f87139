/** eSCL ScannerStatus → ScannerStatus plus the device's job list (PROTOCOLS.md A.6). Pure: no I/O. */
import { protocolError } from '../../core/errors.js';
import { pathOfLocation } from './location.js';
import type { AdfState, ScannerState, ScannerStatus } from '../../core/status.js';
import { ESCL_NS, PWG_NS, child, childInt, childText, childrenOf, isElement, parseXmlDocument, type XmlElement } from './xml.js';

/** One `scan:JobInfo` entry; fields a device omits stay undefined. */
export interface EsclJobInfo {
  /** Path of the job, e.g. `/eSCL/ScanJobs/772`. */
  uri?: string;
  uuid?: string;
  /** Seconds since the job's last change. */
  age?: number;
  imagesCompleted?: number;
  imagesToTransfer?: number;
  /** Pending | Processing | Completed | Canceled | Aborted | PendingHeld. */
  state?: string;
  stateReasons: string[];
}

/** A parsed ScannerStatus document. */
export interface EsclStatus {
  status: ScannerStatus;
  jobs: EsclJobInfo[];
}

const SCANNER_STATES: Readonly<Record<string, ScannerState>> = {
  Idle: 'idle',
  Processing: 'processing',
  // HP M630 reports Testing while warming up.
  Testing: 'processing',
  Stopped: 'stopped',
  Down: 'stopped',
};

const ADF_STATES: Readonly<Record<string, AdfState>> = {
  ScannerAdfLoaded: 'loaded',
  // NAPS2's server spells it this way.
  ScannedAdfLoaded: 'loaded',
  ScannerAdfEmpty: 'empty',
  ScannerAdfJam: 'jam',
  ScannerAdfMispick: 'jam',
  ScannerAdfMultipickDetected: 'jam',
  ScannerAdfDuplexPageTooShort: 'jam',
  ScannerAdfDuplexPageTooLong: 'jam',
  ScannerAdfInputTrayFailed: 'jam',
  ScannerAdfInputTrayOverloaded: 'jam',
  ScannerAdfHatchOpen: 'open',
  ScannerAdfDoorOpen: 'open',
  // The spec's "OK" state, but Kyocera reports it with an empty feeder, so it says nothing.
  ScannerAdfProcessing: 'unknown',
};

/** Maps an eSCL AdfState value; anything unrecognised is `unknown`. */
export function adfStateFrom(value: string): AdfState {
  return ADF_STATES[value] ?? 'unknown';
}

/** Parses a ScannerStatus document; malformed or foreign XML is a ProtocolError. */
export function parseScannerStatus(xml: string): EsclStatus {
  const root = parseXmlDocument(xml, 'ScannerStatus');
  if (!isElement(root, ESCL_NS, 'ScannerStatus')) {
    throw protocolError(`ScannerStatus: unexpected root element ${root.name}${root.ns ? ` in ${root.ns}` : ''}`);
  }
  const rawState = childText(root, PWG_NS, 'State');
  if (rawState === undefined) throw protocolError('ScannerStatus: no State element');
  const reasons = childrenOf(child(root, PWG_NS, 'StateReasons'), PWG_NS, 'StateReason').map((r) => r.text).filter((r) => r !== '');
  const mapped = SCANNER_STATES[rawState];
  // An unknown state is kept visible in reasons rather than guessed into idle.
  if (mapped === undefined) reasons.push(rawState);
  const adf = childText(root, ESCL_NS, 'AdfState');
  const status: ScannerStatus = { state: mapped ?? 'stopped', adf: adf === undefined ? null : adfStateFrom(adf) };
  if (reasons.length > 0) status.reasons = reasons;
  const jobs = childrenOf(child(root, ESCL_NS, 'Jobs'), ESCL_NS, 'JobInfo').map(readJob);
  return { status, jobs };
}

function readJob(info: XmlElement): EsclJobInfo {
  const job: EsclJobInfo = {
    stateReasons: childrenOf(child(info, PWG_NS, 'JobStateReasons'), PWG_NS, 'JobStateReason').map((r) => r.text).filter((r) => r !== ''),
  };
  const uri = childText(info, PWG_NS, 'JobUri');
  if (uri !== undefined) job.uri = uri;
  const uuid = childText(info, PWG_NS, 'JobUuid');
  if (uuid !== undefined) job.uuid = uuid;
  const age = childInt(info, ESCL_NS, 'Age');
  if (age !== undefined) job.age = age;
  const completed = childInt(info, PWG_NS, 'ImagesCompleted');
  if (completed !== undefined) job.imagesCompleted = completed;
  const toTransfer = childInt(info, PWG_NS, 'ImagesToTransfer');
  if (toTransfer !== undefined) job.imagesToTransfer = toTransfer;
  const state = childText(info, PWG_NS, 'JobState');
  if (state !== undefined) job.state = state;
  return job;
}

/** Finds our job in the device's list by path (jobs linger long after they finish; match by JobUri). */
export function findJob(jobs: readonly EsclJobInfo[], jobPath: string): EsclJobInfo | undefined {
  const wanted = stripTrailingSlash(jobPath);
  return jobs.find((j) => j.uri !== undefined && (stripTrailingSlash(j.uri) === wanted || stripTrailingSlash(pathOfLocation(j.uri)) === wanted));
}

function stripTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

