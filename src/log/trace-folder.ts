/**
 * The `trace.folder` tracer: one file per device per session, records appended as they
 * happen. Tracing must never hurt scanning, so every failure is logged once and the tracer
 * goes quiet instead of throwing; each file stops at a byte cap with a note saying so.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/logger.js';
import type { ProtocolTracer, TraceRecord } from '../core/trace.js';
import { formatTraceRecord, RECORD_MARK, traceFileName } from './trace-format.js';

/** Bytes written to one trace file before it stops (a few hundred eSCL exchanges fit many times over). */
export const DEFAULT_TRACE_FILE_MAX_BYTES = 50 * 1024 * 1024;
/** Files one tracer keeps open at most; more devices than this in one session are not traced. */
export const MAX_TRACE_FILES = 256;

/** Options of the folder tracer. */
export interface FolderTracerOptions {
  folder: string;
  logger: Logger;
  /** Per-file byte cap; defaults to DEFAULT_TRACE_FILE_MAX_BYTES. */
  maxFileBytes?: number;
  /** Clock for record times and file names (tests pin it). */
  now?: () => Date;
}

/** A tracer that can be flushed and closed at shutdown. */
export type FolderTracer = ProtocolTracer & { close(): Promise<void> };

interface TraceFile {
  stream: WriteStream;
  bytes: number;
  capped: boolean;
}

function endStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.closed || stream.destroyed) return resolve();
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
    stream.end();
  });
}

/** Creates the tracer; nothing touches the disk until the first record. */
export function createFolderTracer(options: FolderTracerOptions): FolderTracer {
  const { folder, logger } = options;
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_TRACE_FILE_MAX_BYTES;
  const now = options.now ?? (() => new Date());
  const files = new Map<string, TraceFile>();
  let folderReady = false;
  let stopped = false;
  let closed = false;
  let warnedFileLimit = false;

  function stopWith(error: unknown, what: string): void {
    if (stopped) return;
    stopped = true;
    logger.warn({ err: error, folder }, `protocol trace stopped: ${what}`);
  }

  function openFile(record: TraceRecord, time: Date): TraceFile | undefined {
    if (!folderReady) {
      mkdirSync(folder, { recursive: true });
      folderReady = true;
    }
    if (files.size >= MAX_TRACE_FILES) {
      if (!warnedFileLimit) logger.warn({ folder, limit: MAX_TRACE_FILES }, 'protocol trace: too many devices, later ones are not traced');
      warnedFileLimit = true;
      return undefined;
    }
    const path = join(folder, traceFileName(record.protocol, record.device, time));
    const stream = createWriteStream(path, { flags: 'a' });
    // Opening and writing fail asynchronously (EACCES, ENOSPC, EISDIR): report once, go quiet.
    stream.on('error', (error) => stopWith(error, `cannot write ${path}`));
    logger.info({ path }, 'protocol trace file opened');
    return { stream, bytes: 0, capped: false };
  }

  function write(file: TraceFile, text: string, time: Date): void {
    const size = Buffer.byteLength(text);
    if (file.bytes + size > maxFileBytes) {
      file.capped = true;
      file.stream.write(`${RECORD_MARK}${time.toISOString()} trace cap of ${maxFileBytes} bytes reached; later records are not written\n`);
      logger.info({ path: file.stream.path, maxFileBytes }, 'protocol trace file reached its size cap');
      return;
    }
    file.bytes += size;
    file.stream.write(text);
  }

  function record(entry: TraceRecord): void {
    if (stopped || closed) return;
    try {
      const time = now();
      const key = `${entry.protocol}\u0000${entry.device}`;
      let file = files.get(key);
      if (file === undefined) {
        file = openFile(entry, time);
        if (file === undefined) return;
        files.set(key, file);
      }
      if (!file.capped) write(file, formatTraceRecord(entry, time), time);
    } catch (error) {
      stopWith(error, 'cannot record');
    }
  }

  async function close(): Promise<void> {
    closed = true;
    await Promise.all([...files.values()].map((file) => endStream(file.stream)));
    files.clear();
  }

  return {
    get enabled() {
      return !stopped && !closed;
    },
    record,
    close,
  };
}
