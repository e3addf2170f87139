import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRootLogger } from '../../src/log/logger.js';
import { createFolderTracer } from '../../src/log/trace-folder.js';
import { readTraceFile } from '../../src/log/trace-read.js';
import { FIXTURES as SHARED_FIXTURES } from '../helpers/fixtures.js';

const FIXTURES = SHARED_FIXTURES;
const CAPABILITIES = readFileSync(join(FIXTURES, 'escl/capabilities/brother-mfc-l8690cdw.xml'));
const WSD_ELEMENTS = readFileSync(join(FIXTURES, 'wsd/kyocera-ecosys-m2040dn-GetScannerElementsResponse.xml'), 'utf8');
/** JPEG magic, then bytes that are not UTF-8: what an eSCL NextDocument reply carries. */
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(5000, 0xa5)]);
const FIXED_TIME = new Date('2026-01-02T03:04:05.678Z');

let dir: string;
let logText: () => string;
let logger: ReturnType<typeof createRootLogger>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scan2mqtt-trace-'));
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  logText = () => Buffer.concat(chunks).toString('utf8');
  logger = createRootLogger({ level: 'info', pretty: 'false', destination: out });
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function traceFiles(folder: string): string[] {
  return readdirSync(folder).sort();
}

describe('createFolderTracer', () => {
  it('writes text bodies verbatim and binary bodies as a summary, one file per device', async () => {
    const folder = join(dir, 'traces');
    const tracer = createFolderTracer({ folder, logger, now: () => FIXED_TIME });
    expect(tracer.enabled).toBe(true);
    tracer.record({ protocol: 'escl', device: '192.0.2.7:8080', direction: 'send', label: 'GET /eSCL/ScannerCapabilities', headers: { host: '192.0.2.7:8080', authorization: 'Basic c2VjcmV0' } });
    tracer.record({ protocol: 'escl', device: '192.0.2.7:8080', direction: 'receive', label: '200 OK', headers: { 'content-type': 'text/xml' }, body: CAPABILITIES });
    tracer.record({ protocol: 'escl', device: '192.0.2.7:8080', direction: 'receive', label: '200 OK', headers: { 'content-type': 'image/jpeg' }, body: JPEG });
    tracer.record({ protocol: 'wsd', device: 'uuid:1234 kyocera', direction: 'receive', label: 'GetScannerElementsResponse', body: WSD_ELEMENTS });
    await tracer.close();

    const files = traceFiles(folder);
    expect(files).toEqual(['escl-192.0.2.7_8080-2026-01-02T03-04-05.678Z.log', 'wsd-uuid_1234_kyocera-2026-01-02T03-04-05.678Z.log']);
    const escl = readFileSync(join(folder, files[0] as string));
    expect(escl.includes(CAPABILITIES)).toBe(true);
    expect(escl.toString()).not.toContain('c2VjcmV0');

    const records = readTraceFile(escl);
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({ time: FIXED_TIME.toISOString(), direction: 'send', protocol: 'escl', label: 'GET /eSCL/ScannerCapabilities' });
    expect(records[0]?.headers).toContainEqual(['authorization', '***']);
    expect(records[1]?.body?.equals(CAPABILITIES)).toBe(true);
    expect(records[2]?.body).toBeUndefined();
    expect(records[2]?.binarySummary).toBe(`binary, ${JPEG.length} bytes, first 64 bytes hex: ${JPEG.subarray(0, 64).toString('hex')}`);

    const wsd = readTraceFile(readFileSync(join(folder, files[1] as string)));
    expect(wsd[0]?.body?.toString('utf8')).toBe(WSD_ELEMENTS);
  });

  it('summarises a body with control bytes even without a content type (a SANE RPC reply)', async () => {
    const tracer = createFolderTracer({ folder: dir, logger });
    const rpc = Buffer.from([0, 0, 0, 0, 0, 0, 0, 3, 0x41, 0x42]);
    tracer.record({ protocol: 'sane', device: '127.0.0.1:6566', direction: 'receive', label: 'SANE_NET_INIT', body: rpc });
    await tracer.close();
    const [file] = traceFiles(dir);
    const [record] = readTraceFile(readFileSync(join(dir, file as string)));
    expect(record?.binarySummary).toBe('binary, 10 bytes, first 10 bytes hex: 00000000000000034142');
  });

  it('cannot be fooled into a forged record by a header or label with line breaks', async () => {
    const tracer = createFolderTracer({ folder: dir, logger });
    tracer.record({ protocol: 'escl', device: 'x', direction: 'receive', label: '200\n===== fake', headers: { 'x-evil': 'a\nbody: none\n\n===== 1 send' } });
    await tracer.close();
    const records = readTraceFile(readFileSync(join(dir, traceFiles(dir)[0] as string)));
    expect(records).toHaveLength(1);
  });

  it('stops a file at its byte cap with a note, and keeps other devices going', async () => {
    const tracer = createFolderTracer({ folder: dir, logger, maxFileBytes: 2000 });
    for (let i = 0; i < 50; i++) tracer.record({ protocol: 'escl', device: 'big', direction: 'receive', label: `poll ${i}`, body: 'x'.repeat(100) });
    tracer.record({ protocol: 'escl', device: 'small', direction: 'send', label: 'GET /' });
    await tracer.close();
    const [big, small] = traceFiles(dir).map((name) => readFileSync(join(dir, name)));
    expect(big?.length).toBeLessThan(2200);
    expect(big?.toString()).toContain('trace cap of 2000 bytes reached');
    expect(readTraceFile(big as Buffer).length).toBeGreaterThan(5);
    expect(readTraceFile(small as Buffer)).toHaveLength(1);
    expect(logText()).toContain('size cap');
  });

  it('does not throw when the folder cannot be created, and logs it once', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const tracer = createFolderTracer({ folder: join(blocker, 'traces'), logger });
    for (let i = 0; i < 5; i++) {
      expect(() => tracer.record({ protocol: 'escl', device: 'x', direction: 'send', label: 'GET /' })).not.toThrow();
    }
    expect(tracer.enabled).toBe(false);
    await tracer.close();
    expect(logText().match(/protocol trace stopped/g)).toHaveLength(1);
  });

  it('does not throw when the trace file cannot be opened (a folder in its place)', async () => {
    const tracer = createFolderTracer({ folder: dir, logger, now: () => FIXED_TIME });
    mkdirSync(join(dir, 'escl-x-2026-01-02T03-04-05.678Z.log'));
    tracer.record({ protocol: 'escl', device: 'x', direction: 'send', label: 'GET /' });
    tracer.record({ protocol: 'escl', device: 'x', direction: 'send', label: 'GET /again' });
    await tracer.close();
    expect(logText().match(/protocol trace stopped/g)).toHaveLength(1);
    expect(() => tracer.record({ protocol: 'escl', device: 'x', direction: 'send', label: 'late' })).not.toThrow();
  });

  it('writes nothing until the first record, and nothing after close', async () => {
    const folder = join(dir, 'lazy');
    const tracer = createFolderTracer({ folder, logger });
    await tracer.close();
    tracer.record({ protocol: 'escl', device: 'x', direction: 'send', label: 'GET /' });
    expect(readdirSync(dir)).toEqual([]);
    expect(tracer.enabled).toBe(false);
  });
});
