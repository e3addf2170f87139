/** Tracing one HTTP message of a protocol client without ever letting the tracer break a scan. */
import type { ProtocolTracer, TraceRecord } from '../core/trace.js';

/** Records one message when tracing is on; a failing tracer is ignored. */
export function traceExchange(tracer: ProtocolTracer, entry: Pick<TraceRecord, 'protocol' | 'device' | 'direction' | 'label'>, headers?: TraceRecord['headers'], body?: string): void {
  if (!tracer.enabled) return;
  try {
    tracer.record({ ...entry, ...(headers ? { headers } : {}), ...(body !== undefined ? { body } : {}) });
  } catch {
    // A tracer must never break a scan.
  }
}
