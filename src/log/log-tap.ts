/**
 * A second destination of the pino root: keeps the last lines in a ring and hands each new one
 * to listeners (the web frontend's live log). It sees what pino wrote, so redaction already ran.
 */
import { Writable } from 'node:stream';
import type { LogFeed, LogRecord } from '../core/log-feed.js';

/** Lines kept for a viewer that opens later. */
export const DEFAULT_LOG_TAP_LINES = 500;
/** A longer line (a huge object logged by mistake) is not kept; the main output still has it. */
export const MAX_TAPPED_LINE_BYTES = 16 * 1024;

/** The tap: a writable stream for pino's multistream and a LogFeed for viewers. */
export interface LogTap extends LogFeed {
  readonly stream: Writable;
}

/** Creates a tap keeping the last `lines` lines. */
export function createLogTap(lines = DEFAULT_LOG_TAP_LINES): LogTap {
  const ring: LogRecord[] = [];
  const listeners = new Set<(record: LogRecord) => void>();
  const take = (line: string) => {
    if (line.length === 0 || line.length > MAX_TAPPED_LINE_BYTES) return;
    let record: LogRecord;
    try {
      record = JSON.parse(line) as LogRecord;
    } catch {
      return;
    }
    if (typeof record !== 'object' || record === null || typeof record.level !== 'number') return;
    ring.push(record);
    if (ring.length > lines) ring.shift();
    for (const listener of listeners) {
      // A viewer that throws must not break logging for everyone else.
      try {
        listener(record);
      } catch {
        listeners.delete(listener);
      }
    }
  };
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) take(line);
      done();
    },
  });
  return {
    stream,
    recent: () => [...ring],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
