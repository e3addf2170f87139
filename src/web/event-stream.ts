/**
 * Live updates for the page over Server-Sent Events: the gateway's typed events (scanners
 * added, changed and removed, state, jobs with per-page progress, button presses) and, for a
 * page that asks, the log. The page never polls; EventSource reconnects by itself.
 */
import type { ServerResponse } from 'node:http';
import type { GatewayApi, GatewayEvents } from '../core/gateway-api.js';
import type { LogFeed, LogRecord } from '../core/log-feed.js';
import { SECURITY_HEADERS } from './http-io.js';

/** Streams open at once; one more is refused (503) so a runaway client cannot hold the gateway's memory. */
export const MAX_EVENT_STREAMS = 32;
/** A comment line this often keeps proxies (HA ingress) from closing an idle stream. */
export const HEARTBEAT_MS = 20_000;
/** A client that has this much unsent is too slow: it is dropped (it reconnects and reloads its snapshot). */
export const MAX_BACKLOG_BYTES = 1024 * 1024;
/** What the page's EventSource waits before reconnecting. */
const RETRY_MS = 2000;

interface Client {
  res: ServerResponse;
  logs: boolean;
}

/** The hub every open stream hangs from. */
export interface EventStreams {
  /** Takes over `res` as an event stream; false when too many are open. `snapshot` is sent first. */
  open(res: ServerResponse, options: { logs: boolean; snapshot: unknown }): boolean;
  start(): void;
  stop(): void;
  readonly size: number;
}

/** Creates the hub over the gateway's events and the log feed. */
export function createEventStreams(gateway: GatewayApi, logs?: LogFeed): EventStreams {
  const clients = new Set<Client>();
  let heartbeat: NodeJS.Timeout | undefined;
  let unsubscribeLogs: (() => void) | undefined;

  const write = (client: Client, text: string) => {
    if (client.res.writableLength > MAX_BACKLOG_BYTES) {
      clients.delete(client);
      client.res.destroy();
      return;
    }
    client.res.write(text);
  };
  const broadcast = (event: string, data: unknown, onlyLogs = false) => {
    if (clients.size === 0) return;
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of clients) if (!onlyLogs || client.logs) write(client, text);
  };

  const listeners: { [E in keyof GatewayEvents]?: GatewayEvents[E] } = {
    scannerAdded: (view) => broadcast('scanner', view),
    scannerChanged: (view) => broadcast('scanner', view),
    scannerRemoved: (view) => broadcast('scanner_removed', { id: view.id }),
    stateChanged: (id, state) => broadcast('state', { id, state }),
    job: (id, event) => broadcast('job', { id, job: event }),
    button: (id, press) => broadcast('button', { id, press }),
  };
  const onLog = (record: LogRecord) => broadcast('log', record, true);

  return {
    get size() {
      return clients.size;
    },
    open(res, { logs: wantsLogs, snapshot }) {
      if (clients.size >= MAX_EVENT_STREAMS) return false;
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      const client: Client = { res, logs: wantsLogs };
      clients.add(client);
      res.on('close', () => clients.delete(client));
      res.write(`retry: ${RETRY_MS}\n\n`);
      write(client, `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
      return true;
    },
    start() {
      for (const [event, listener] of Object.entries(listeners)) gateway.on(event as keyof GatewayEvents, listener as never);
      if (logs) unsubscribeLogs = logs.subscribe(onLog);
      heartbeat = setInterval(() => {
        for (const client of clients) write(client, ': heartbeat\n\n');
      }, HEARTBEAT_MS);
      heartbeat.unref();
    },
    stop() {
      for (const [event, listener] of Object.entries(listeners)) gateway.off(event as keyof GatewayEvents, listener as never);
      unsubscribeLogs?.();
      clearInterval(heartbeat);
      for (const client of clients) client.res.end();
      clients.clear();
    },
  };
}
