/**
 * The frontend a user gets with no settings at all: enabled, on 127.0.0.1:8088, open to loopback
 * and to nothing else, and the log says so. (Every other test gateway turns it off or moves it.)
 */
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsclSimulator } from '../sim/escl/index.js';
import { startGatewayOnBroker, type GatewayOnBroker } from './gateway-process.js';

const SCANNER = 'sim';
const DEFAULT_PORT = 8088;

let sim: EsclSimulator;
let rig: GatewayOnBroker;

/** GET on `host`:8088; resolves with the status, or the connection error's code. */
function get(host: string, path: string): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((done) => {
    const req = request({ host, port: DEFAULT_PORT, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message }));
    req.end();
  });
}

beforeAll(async () => {
  sim = new EsclSimulator();
  await sim.start();
  rig = await startGatewayOnBroker(SCANNER, {
    SCAN2MQTT_DEVICES: JSON.stringify([{ name: 'Simulated AirSane', protocol: 'escl', url: sim.baseUrl, friendly_name: SCANNER }]),
    // The default: no SCAN2MQTT_FRONTEND_* variable at all.
    SCAN2MQTT_FRONTEND_ENABLED: undefined,
  });
}, 90_000);

afterAll(async () => {
  await rig?.stop();
  await sim?.stop();
});

describe('web frontend defaults', () => {
  it('serves the page and the API on 127.0.0.1:8088 without a token', async () => {
    const page = await get('127.0.0.1', '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>scan2mqtt</title>');
    const scanners = await get('127.0.0.1', '/api/scanners');
    expect(JSON.parse(scanners.body!).map((s: { id: string }) => s.id)).toEqual([SCANNER]);
  });

  it('is not reachable on any other address, and the log says it listens on loopback only', async () => {
    const lanAddresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => a.address));
    for (const host of ['127.0.0.2', ...lanAddresses]) expect((await get(host, '/')).error, host).toBe('ECONNREFUSED');
    expect(rig.gateway.output()).toContain('the web frontend listens on 127.0.0.1 only');
  });
});
