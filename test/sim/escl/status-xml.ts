/** Builds the ScannerStatus document (PROTOCOLS.md A.6), shaped like AirSane's and HP's. */
import { NS_PWG, NS_SCAN } from './xml-tree.js';
import { isListed, type SimJob } from './sim-job.js';

/** scan:AdfState values the simulator reports. */
export type SimAdfState = 'ScannerAdfLoaded' | 'ScannerAdfEmpty' | 'ScannerAdfJam';

/** Everything the status document is made from. */
export interface SimStatusSnapshot {
  readonly version: string;
  readonly state: 'Idle' | 'Processing';
  /** Absent for devices without a feeder. */
  readonly adfState?: SimAdfState;
  readonly jobs: readonly SimJob[];
  readonly now: number;
}

/** Escapes text for XML element content. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Renders the ScannerStatus XML; jobs are listed newest first, as HP does. */
export function buildStatusXml(snapshot: SimStatusSnapshot): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<scan:ScannerStatus xmlns:scan="${NS_SCAN}" xmlns:pwg="${NS_PWG}">`,
    `  <pwg:Version>${escapeXml(snapshot.version)}</pwg:Version>`,
    `  <pwg:State>${snapshot.state}</pwg:State>`,
  ];
  if (snapshot.adfState) lines.push(`  <scan:AdfState>${snapshot.adfState}</scan:AdfState>`);
  const listed = snapshot.jobs.filter(isListed).slice().reverse();
  if (listed.length > 0) {
    lines.push('  <scan:Jobs>');
    for (const job of listed) lines.push(...jobInfoLines(job, snapshot.now));
    lines.push('  </scan:Jobs>');
  }
  lines.push('</scan:ScannerStatus>', '');
  return lines.join('\n');
}

function jobInfoLines(job: SimJob, now: number): string[] {
  const ageSeconds = Math.max(0, Math.floor((now - job.createdAt) / 1000));
  return [
    '    <scan:JobInfo>',
    `      <pwg:JobUri>${escapeXml(job.uri)}</pwg:JobUri>`,
    `      <pwg:JobUuid>${escapeXml(job.uuid)}</pwg:JobUuid>`,
    `      <scan:Age>${ageSeconds}</scan:Age>`,
    `      <pwg:ImagesCompleted>${job.imagesCompleted}</pwg:ImagesCompleted>`,
    `      <pwg:ImagesToTransfer>${job.imagesToTransfer}</pwg:ImagesToTransfer>`,
    `      <pwg:JobState>${job.state}</pwg:JobState>`,
    '      <pwg:JobStateReasons>',
    ...job.reasons.map((reason) => `        <pwg:JobStateReason>${escapeXml(reason)}</pwg:JobStateReason>`),
    '      </pwg:JobStateReasons>',
    '    </scan:JobInfo>',
  ];
}
