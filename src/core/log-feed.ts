/** Recent log lines and the live ones, for a viewer (the web frontend's Bridge page); already redacted. */

/** pino's numeric levels by name. */
export const LOG_LEVEL_VALUES: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** One log line as pino wrote it (JSON object), secrets already masked by the root logger's redaction. */
export interface LogRecord {
  /** pino's numeric level (10 trace … 60 fatal). */
  level: number;
  /** Epoch milliseconds. */
  time: number;
  msg?: string;
  component?: string;
  [field: string]: unknown;
}

/** What a log viewer reads: the last lines kept, and each new one as it is written. */
export interface LogFeed {
  /** The kept lines, oldest first. */
  recent(): LogRecord[];
  /** Calls `listener` for every new line; returns the unsubscribe function. */
  subscribe(listener: (record: LogRecord) => void): () => void;
}
