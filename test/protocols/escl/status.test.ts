import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adfStateFrom, findJob, parseScannerStatus } from '../../../src/protocols/escl/status.js';
import { FIXTURES as SHARED_FIXTURES } from '../../helpers/fixtures.js';

const FIXTURES = `${SHARED_FIXTURES}/escl`;
const read = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');
const statusFiles = [
  ...readdirSync(join(FIXTURES, 'status')).map((f) => `status/${f}`),
  ...readdirSync(join(FIXTURES, 'airsane')).filter((f) => f.includes('ScannerStatus')).map((f) => `airsane/${f}`),
];

describe('parseScannerStatus on every real device', () => {
  it.each(statusFiles)('%s parses', (file) => {
    const { status, jobs } = parseScannerStatus(read(file));
    expect(['idle', 'processing', 'stopped']).toContain(status.state);
    for (const job of jobs) expect(job.uri).toMatch(/^\/eSCL\/ScanJobs\//);
  });

  it('Kyocera: Processing with ScannerAdfProcessing (its "empty") and urn:uuid job URIs', () => {
    const { status, jobs } = parseScannerStatus(read('status/kyocera-ecosys-m2040dn.xml'));
    expect(status).toEqual({ state: 'processing', adf: 'unknown' });
    expect(jobs).toHaveLength(5);
    expect(jobs[0]).toEqual({
      uri: '/eSCL/ScanJobs/urn:uuid:4509a320-00a0-008f-00b6-00559a327d32',
      uuid: 'urn:uuid:4509a320-00a0-008f-00b6-00559a327d32',
      age: 2,
      imagesCompleted: 0,
      state: 'Processing',
      stateReasons: ['JobScanningAndTransferring'],
    });
    expect(findJob(jobs, '/eSCL/ScanJobs/urn:uuid:4509a320-00a0-008f-00b6-00559a327d31/')?.state).toBe('Completed');
  });

  it('HP eSCL 2.5: 25 unrelated namespaces, ImagesToTransfer', () => {
    const { status, jobs } = parseScannerStatus(read('status/hp-escl25-processing.xml'));
    expect(status).toEqual({ state: 'processing', adf: 'empty' });
    expect(jobs[0]).toMatchObject({ uri: '/eSCL/ScanJobs/2', imagesCompleted: 1, imagesToTransfer: 0, state: 'Processing' });
  });

  it('HP idle with ADF loaded', () => {
    expect(parseScannerStatus(read('status/hp-escl25-idle-adf-loaded.xml')).status).toEqual({ state: 'idle', adf: 'loaded' });
  });

  it('the pasted HP 179fnw status without namespace declarations fails cleanly, and parses by local names once closed', () => {
    const text = read('partial/hp-color-laser-179fnw-status-with-jobs.excerpt.txt');
    expect(() => parseScannerStatus(text)).toThrow(expect.objectContaining({ code: 'ProtocolError' }));
    const body = text.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    expect(() => parseScannerStatus(body)).toThrow(expect.objectContaining({ code: 'ProtocolError' }));
    const closed = `${body}\n</scan:Jobs>\n</scan:ScannerStatus>`;
    const { status, jobs } = parseScannerStatus(closed);
    expect(status).toEqual({ state: 'idle', adf: 'empty' });
    expect(jobs.map((j) => j.uri)).toEqual(['/eSCL/ScanJobs/772', '/eSCL/ScanJobs/771']);
    expect(jobs[0]?.imagesToTransfer).toBe(1);
  });
});

describe('state mapping', () => {
  const doc = (state: string, adf?: string, extra = '') =>
    `<scan:ScannerStatus xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03" xmlns:pwg="http://www.pwg.org/schemas/2010/12/sm"><pwg:State> ${state} </pwg:State>${adf ? `<scan:AdfState>${adf}</scan:AdfState>` : ''}${extra}</scan:ScannerStatus>`;

  it.each([
    ['Idle', 'idle'],
    ['Processing', 'processing'],
    ['Testing', 'processing'],
    ['Stopped', 'stopped'],
    ['Down', 'stopped'],
  ])('State %s → %s', (raw, state) => {
    expect(parseScannerStatus(doc(raw)).status).toEqual({ state, adf: null });
  });

  it('an unknown State is kept in reasons', () => {
    expect(parseScannerStatus(doc('Warming')).status).toEqual({ state: 'stopped', adf: null, reasons: ['Warming'] });
  });

  it('StateReasons are kept verbatim', () => {
    const extra = '<pwg:StateReasons><pwg:StateReason>MediaJam</pwg:StateReason></pwg:StateReasons>';
    expect(parseScannerStatus(doc('Stopped', undefined, extra)).status.reasons).toEqual(['MediaJam']);
  });

  it.each([
    ['ScannerAdfLoaded', 'loaded'],
    ['ScannedAdfLoaded', 'loaded'],
    ['ScannerAdfEmpty', 'empty'],
    ['ScannerAdfJam', 'jam'],
    ['ScannerAdfMispick', 'jam'],
    ['ScannerAdfMultipickDetected', 'jam'],
    ['ScannerAdfDuplexPageTooShort', 'jam'],
    ['ScannerAdfDuplexPageTooLong', 'jam'],
    ['ScannerAdfInputTrayFailed', 'jam'],
    ['ScannerAdfInputTrayOverloaded', 'jam'],
    ['ScannerAdfHatchOpen', 'open'],
    ['ScannerAdfDoorOpen', 'open'],
    ['ScannerAdfProcessing', 'unknown'],
    ['SomethingNew', 'unknown'],
  ])('AdfState %s → %s', (raw, adf) => {
    expect(adfStateFrom(raw)).toBe(adf);
    expect(parseScannerStatus(doc('Idle', raw)).status.adf).toBe(adf);
  });

  it('a status without State is a ProtocolError', () => {
    const xml = '<scan:ScannerStatus xmlns:scan="http://schemas.hp.com/imaging/escl/2011/05/03"/>';
    expect(() => parseScannerStatus(xml)).toThrow(expect.objectContaining({ code: 'ProtocolError' }));
  });
});
