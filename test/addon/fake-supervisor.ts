/**
 * A real HTTP server standing in for Home Assistant's Supervisor API: `GET /services/mqtt`
 * with the add-on's bearer token answers as the Supervisor does
 * (`{"result":"ok","data":{"host","port","ssl","protocol","username","password"}}`), or with
 * whatever a test scripts, and records what it was asked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** How the fake answers one request. */
export type SupervisorScript = (req: IncomingMessage, res: ServerResponse) => void;

/** A running fake. */
export interface FakeSupervisor {
  /** `http://127.0.0.1:<port>` (the add-on's SUPERVISOR_API). */
  url: string;
  /** Authorization headers received, in order. */
  authorizations: (string | undefined)[];
  stop(): Promise<void>;
}

/** The Supervisor's answer for a configured broker. */
export function mqttServiceAnswer(data: Record<string, unknown>): SupervisorScript {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ result: 'ok', data }));
  };
}

/** The Supervisor's answer when no broker add-on provides the service. */
export const noMqttService: SupervisorScript = (_req, res) => {
  res.writeHead(400, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ result: 'error', message: 'No mqtt service', data: {} }));
};

/** Starts the fake on a free loopback port; requests without `Bearer <token>` get 401, other paths 404. */
export async function startFakeSupervisor(token: string, script: SupervisorScript): Promise<FakeSupervisor> {
  const authorizations: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result: 'error', message: 'Unauthorized' }));
      return;
    }
    if (req.method !== 'GET' || req.url !== '/services/mqtt') {
      res.writeHead(404).end();
      return;
    }
    script(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
