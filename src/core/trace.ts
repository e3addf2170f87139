/**
 * Raw protocol exchange tracing: with `trace.folder` set, every request and reply a
 * protocol client sends or receives is written out, so a user's bug report can become
 * a test fixture. Protocol clients take a ProtocolTracer and call it; nothing else.
 */

/** One raw message on the wire. Bodies of image data are summarised, not copied. */
export interface TraceRecord {
  protocol: string;
  /** Device the exchange was with (scanner id or host:port). */
  device: string;
  direction: 'send' | 'receive';
  /** A short label: `POST /eSCL/ScanJobs`, `GET_OPTION_DESCRIPTORS`, `201 Created`. */
  label: string;
  headers?: Record<string, string | string[] | undefined>;
  body?: Buffer | string;
}

/** Receives trace records; implementations must never throw into the protocol. */
export interface ProtocolTracer {
  readonly enabled: boolean;
  record(entry: TraceRecord): void;
}

/** The tracer used when tracing is off. */
export const NO_TRACE: ProtocolTracer = { enabled: false, record: () => {} };
