/** What every HTTP scanner client is told about the one device it talks to. */
import type { DeviceCredentials } from '../core/device.js';
import type { Logger } from '../core/logger.js';
import type { ProtocolTracer } from '../core/trace.js';

/** How the HTTP side of one device is reached, whatever the protocol. */
export interface DeviceHttpOptions {
  credentials?: DeviceCredentials;
  /** Accept a self-signed certificate from this HTTPS device (never for another). */
  insecureTls?: boolean;
  logger: Logger;
  tracer: ProtocolTracer;
  /** Names the device in messages and traces. */
  deviceLabel: string;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}
