/** Options and recorded data of the eSCL simulator. */
import type { IncomingHttpHeaders } from 'node:http';
import type { EmptyFeederAnswer } from './device-model.js';
import type { LocationStyle } from './location.js';
import type { SimImageKind } from './page-render.js';

/** How to build an EsclSimulator; every field has a device-like default. */
export interface EsclSimulatorOptions {
  /** Path of a ScannerCapabilities XML (default: the AirSane fixture, via fixturePath). */
  capabilitiesFixture?: string;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Listen port (default 0 = ephemeral). */
  port?: number;
  /** eSCL root path (default '/eSCL'). */
  basePath?: string;
  /** Serve HTTPS with a self-signed certificate made at start (the `_uscans` flavour). */
  https?: boolean;
  /** Pages loaded in the feeder at start (default 5); the platen always has one. */
  adfPages?: number;
  /** Spelling of the Location header of new jobs (default 'relative'). */
  locationStyle?: LocationStyle;
  /** HP quirk: refuse (403) every request whose Host header differs from this. */
  requireHostHeader?: string;
  /** Replaces scan:UUID in the served capabilities (and the announcement), so one fixture can be two devices. */
  uuid?: string;
  /** Replaces pwg:MakeAndModel in the served capabilities (and the announcement's `ty`). */
  makeAndModel?: string;
  /** Time the device "scans" before NextDocument answers (default 0). */
  pageDelayMs?: number;
  /** Drawn content (default 'pattern'). */
  imageKind?: SimImageKind;
  /** NextDocument answer when an ADF job starts with an empty feeder: 404 (spec) or 409 (AirSane). Default 404. */
  emptyFeederAnswer?: EmptyFeederAnswer;
  /** Serve HP walk-up Scan to Computer (LEDM destinations and event table) beside eSCL. */
  hpWalkup?: boolean;
}

/** One HTTP request as the simulator received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query as sent. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Request body as text (XML bodies), undefined when empty. */
  readonly body?: string;
  /** Arrival time, ms since the epoch. */
  readonly time: number;
}

/** Defaults of the options above. */
export const SIMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  port: 0,
  basePath: '/eSCL',
  adfPages: 5,
  locationStyle: 'relative',
  pageDelayMs: 0,
  imageKind: 'pattern',
  emptyFeederAnswer: 404,
} as const;

/** Largest request body accepted (a ScanSettings is under 2 KiB); larger gets 413. */
export const MAX_REQUEST_BODY_BYTES = 64 * 1024;
