/**
 * The frontend's JSON API, mapped onto the gateway's typed operations (src/core/gateway-api.ts):
 * each request is parsed here, once, into the same commands MQTT uses; no MQTT round trip.
 * File, image and event-stream answers are served by the server itself (src/web/web-server.ts).
 */
import { parseHistoryQuery, parseScanCommand, requiredString } from '../core/commands.js';
import { invalidRequest, ScanError } from '../core/errors.js';
import type { DocumentLibrary } from '../core/document-library.js';
import type { GatewayApi, ScannerView } from '../core/gateway-api.js';
import type { LogFeed } from '../core/log-feed.js';
import { previewCommand, previewResolution } from './preview-command.js';
import type { PreviewStore } from './preview-sink.js';

/** A binding of a scanner button (config `buttons`) as the Devices page lists it. */
export interface TriggerView {
  button: string;
  action: string;
  profile?: string;
}

/** What the Bridge page shows of the gateway itself. */
export interface BridgeView {
  version: string;
  base_topic: string;
  /** The effective config with every secret masked. */
  config: Record<string, unknown>;
}

/** What the API reads and drives. */
export interface ApiDeps {
  gateway: GatewayApi;
  library?: DocumentLibrary;
  logs?: LogFeed;
  previews?: PreviewStore;
  bridge: () => BridgeView;
  triggersOf: (scannerId: string) => TriggerView[];
}

/** One API answer: HTTP status and JSON body. */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** A request as the API sees it: method, the path below `api/` split on `/`, query, and a body reader. */
export interface ApiRequest {
  method: string;
  path: string[];
  query: URLSearchParams;
  body: () => Promise<unknown>;
}

const ok = (body: unknown, status = 200): ApiAnswer => ({ status, body });
const notFound = () => new ScanError('NotFound', 'no such API resource');

/** Everything the Devices and Scan pages show of one scanner. */
export function scannerDetails(deps: ApiDeps, view: ScannerView) {
  const { gateway } = deps;
  return {
    ...view,
    state: gateway.getState(view.id) ?? null,
    preferences: gateway.effectivePreferences(view.id),
    triggers: deps.triggersOf(view.id),
    preview_dpi: deps.previews && view.capabilities?.sources.platen ? (previewResolution(view, 'platen') ?? null) : null,
  };
}

function requireScanner(gateway: GatewayApi, id: string): ScannerView {
  const view = gateway.getScanner(id);
  if (!view) throw new ScanError('NotFound', `no scanner with id "${id}"`);
  return view;
}

function objectBody(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidRequest('body must be a JSON object');
  return value as Record<string, unknown>;
}

function requireLibrary(deps: ApiDeps): DocumentLibrary {
  if (!deps.library) throw notFound();
  return deps.library;
}

async function scannerRoute(deps: ApiDeps, req: ApiRequest, id: string, action: string | undefined): Promise<ApiAnswer> {
  const { gateway } = deps;
  const view = requireScanner(gateway, id);
  if (req.method === 'GET' && action === undefined) return ok(scannerDetails(deps, view));
  if (req.method !== 'POST') throw notFound();
  if (action === 'scan') {
    const command = parseScanCommand(await req.body());
    return ok(await gateway.submitScan(id, command, 'web'), 202);
  }
  if (action === 'preview') {
    if (!deps.previews) throw notFound();
    const command = previewCommand(view, objectBody(await req.body()));
    return ok(await gateway.submitScan(id, command, 'web', { sink: deps.previews.sink(id) }), 202);
  }
  if (action === 'cancel') {
    const body = objectBody(await req.body());
    const job = body.job === undefined ? undefined : requiredString(body.job, 'job');
    return ok({ cancelled: gateway.cancelJob(id, job) });
  }
  throw notFound();
}

async function documentsRoute(deps: ApiDeps, req: ApiRequest, id: string | undefined, action: string | undefined): Promise<ApiAnswer> {
  const library = requireLibrary(deps);
  if (id === undefined && req.method === 'GET') {
    const limit = req.query.get('limit');
    return ok(await library.list(limit === null ? undefined : positiveInteger(limit, 'limit')));
  }
  if (id === undefined) throw notFound();
  if (req.method === 'DELETE' && action === undefined) {
    if (!(await library.remove(id))) throw new ScanError('NotFound', `no document "${id}"`);
    return ok({ deleted: id });
  }
  if (req.method === 'POST' && action === 'resend') {
    const target = requiredString(objectBody(await req.body()).target, 'target');
    return ok(await library.resend(id, target));
  }
  throw notFound();
}

async function deliveriesRoute(deps: ApiDeps, req: ApiRequest, id: string | undefined, action: string | undefined): Promise<ApiAnswer> {
  const { gateway } = deps;
  if (req.method === 'GET' && id === undefined) return ok(gateway.listDeliveries());
  if (req.method === 'POST' && id === 'retry' && action === undefined) return ok(await gateway.retryDeliveries());
  if (req.method === 'POST' && id !== undefined && action === 'retry') return ok(await gateway.retryDeliveries(id));
  if (req.method === 'DELETE' && id !== undefined && action === undefined) {
    if (!(await gateway.dropDelivery(id))) throw new ScanError('NotFound', `no waiting delivery with id ${id}`);
    return ok({ dropped: id });
  }
  throw notFound();
}

/** A query value that must be a whole number of 1 or more. */
export function positiveInteger(text: string, field: string): number {
  const value = Number(text);
  if (!/^\d{1,9}$/.test(text) || value < 1) throw invalidRequest(`"${field}" must be a whole number of 1 or more`);
  return value;
}

/** Answers one API request; throws ScanError (the server maps its code to an HTTP status). */
export async function answerApi(deps: ApiDeps, req: ApiRequest): Promise<ApiAnswer> {
  const { gateway } = deps;
  const [resource, id, action, ...rest] = req.path;
  if (rest.length > 0) throw notFound();
  const get = req.method === 'GET' && id === undefined;
  switch (resource) {
    case 'scanners':
      if (get) return ok(gateway.listScanners().map((view) => scannerDetails(deps, view)));
      if (id === undefined) throw notFound();
      return scannerRoute(deps, req, id, action);
    case 'bridge':
      if (get) return ok({ ...deps.bridge(), health: gateway.health(), profiles: gateway.listProfiles(), targets: deps.library?.targets() ?? [] });
      break;
    case 'health':
      if (get) return ok(gateway.health());
      break;
    case 'logs':
      if (get) return ok(deps.logs?.recent() ?? []);
      break;
    case 'discover':
      if (req.method === 'POST' && id === undefined) {
        await gateway.discoverNow();
        return ok({ scanners: gateway.listScanners().length });
      }
      break;
    case 'history':
      if (get) {
        const limit = req.query.get('limit');
        const scanner = req.query.get('scanner');
        return ok(gateway.history(parseHistoryQuery({ ...(scanner !== null ? { scanner } : {}), ...(limit !== null ? { limit: positiveInteger(limit, 'limit') } : {}) })));
      }
      break;
    case 'deliveries':
      return deliveriesRoute(deps, req, id, action);
    case 'documents':
      return documentsRoute(deps, req, id, action);
  }
  throw notFound();
}
