/** `bridge/request/<action>` handlers: each turns a parsed request into response data or throws ScanError. */
import { parseHistoryQuery, parseScanCommand, requiredString, SCAN_COMMAND_FIELDS } from '../core/commands.js';
import { ScanError } from '../core/errors.js';
import type { GatewayApi } from '../core/gateway-api.js';
import { deviceListEntry, deviceListPayload } from './payloads.js';
import { scanCommandFor } from './scan-command.js';

/** What a request handler may use. */
export interface RequestContext {
  gateway: GatewayApi;
  /** Version and config summary without secrets. */
  info: () => object;
  /** Empties the Home Assistant discovery topics this gateway owns; absent when the app did not wire it. */
  clearHomeAssistant?: () => Promise<void>;
}

/** Handles one action's request body (without `transaction`) and returns the response `data`. */
export type RequestHandler = (request: Record<string, unknown>, ctx: RequestContext) => object | Promise<object>;

/** One action: the fields its request may carry (besides `transaction`) and its handler. */
export interface RequestAction {
  fields: readonly string[];
  handle: RequestHandler;
}

const action = (fields: readonly string[], handle: RequestHandler): RequestAction => ({ fields, handle });

/** The actions the bridge answers; anything else gets an error response. */
export const REQUEST_ACTIONS: Readonly<Record<string, RequestAction>> = {
  scan: action(['scanner', ...SCAN_COMMAND_FIELDS], requestScan),
  devices: action([], (_request, { gateway }) => ({ devices: deviceListPayload(gateway.listScanners()) })),
  discover: action([], async (_request, { gateway }) => {
    await gateway.discoverNow();
    return { devices: deviceListPayload(gateway.listScanners()) };
  }),
  'device/remove': action(['id'], requestRemove),
  'device/rename': action(['id', 'name', 'from', 'to'], requestRename),
  health: action([], (_request, { gateway }) => gateway.health()),
  config: action([], (_request, { info }) => info()),
  history: action(['scanner', 'limit'], requestHistory),
  deliveries: action([], (_request, { gateway }) => ({ deliveries: gateway.listDeliveries() })),
  'delivery/drop': action(['id'], requestDropDelivery),
  'delivery/retry': action(['id'], requestRetryDelivery),
  'homeassistant/clear': action([], requestClearHomeAssistant),
};

/** Runs the handler for `action`; unknown actions and fields it does not know throw InvalidRequest. */
export async function handleBridgeRequest(name: string, request: Record<string, unknown>, ctx: RequestContext): Promise<object> {
  const known = Object.hasOwn(REQUEST_ACTIONS, name) ? REQUEST_ACTIONS[name] : undefined;
  if (!known) throw new ScanError('InvalidRequest', `unknown bridge request: ${name}`);
  // A misspelt field would otherwise be ignored silently (a `lmit` returning every job).
  const unknownField = Object.keys(request).find((field) => !known.fields.includes(field));
  if (unknownField !== undefined) throw new ScanError('InvalidRequest', `unknown field "${unknownField}" in ${name} request`);
  return known.handle(request, ctx);
}

/**
 * `{scanner, ...settings}`; `id` names the scanner only when `scanner` is absent,
 * because in a scan command `id` is the client's job id.
 */
function requestScan(request: Record<string, unknown>, { gateway }: RequestContext): Promise<object> {
  const { scanner, ...rest } = request;
  const { id, ...settings } = rest;
  const [scannerId, fields] = scanner !== undefined ? [requiredString(scanner, 'scanner'), rest] : [requiredString(id, 'scanner'), settings];
  return gateway.submitScan(scannerId, scanCommandFor(gateway, scannerId, () => parseScanCommand(fields)), 'bridge');
}

function requestRemove(request: Record<string, unknown>, { gateway }: RequestContext): object {
  const id = requiredString(request['id'], 'id');
  if (!gateway.removeScanner(id)) throw new ScanError('NotFound', `no scanner with id ${id}`);
  return { id };
}

/** Accepts zigbee2mqtt's `{from, to}` as well as `{id, name}`. */
function requestRename(request: Record<string, unknown>, { gateway }: RequestContext): object {
  const id = requiredString(request['id'] ?? request['from'], 'id');
  const name = requiredString(request['name'] ?? request['to'], 'name');
  return deviceListEntry(gateway.renameScanner(id, name));
}

/** Works with HA discovery disabled too: that is how old entities are removed after turning it off. */
async function requestClearHomeAssistant(_request: Record<string, unknown>, { clearHomeAssistant }: RequestContext): Promise<object> {
  if (!clearHomeAssistant) throw new ScanError('Unsupported', 'Home Assistant discovery is not available in this gateway');
  await clearHomeAssistant();
  return { cleared: true };
}

/** `{scanner?, limit?}`: finished jobs, newest first. */
function requestHistory(request: Record<string, unknown>, { gateway }: RequestContext): object {
  return { jobs: gateway.history(parseHistoryQuery(request)) };
}

/** `{id}`: forgets a delivery waiting for a remote target. */
async function requestDropDelivery(request: Record<string, unknown>, { gateway }: RequestContext): Promise<object> {
  const id = requiredString(request['id'], 'id');
  if (!(await gateway.dropDelivery(id))) throw new ScanError('NotFound', `no waiting delivery with id ${id}`);
  return { id };
}

/** `{id}` retries one waiting delivery now, `{}` all of them; answers what each attempt did. */
async function requestRetryDelivery(request: Record<string, unknown>, { gateway }: RequestContext): Promise<object> {
  const id = request['id'] === undefined ? undefined : requiredString(request['id'], 'id');
  return { retried: await gateway.retryDeliveries(id) };
}
