/**
 * The Supervisor's MQTT service read from a real HTTP server: the real answer's shape, the
 * "no broker" answer, a refused token, and hostile or malformed answers, each refused with
 * a ProtocolError rather than turned into a broker URL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fetchMqttService, MAX_SUPERVISOR_ANSWER_BYTES } from '../../src/addon/supervisor.js';
import { ScanError } from '../../src/core/errors.js';
import { mqttServiceAnswer, noMqttService, startFakeSupervisor, type FakeSupervisor, type SupervisorScript } from './fake-supervisor.js';

const TOKEN = 'supervisor-token-1234';
let fake: FakeSupervisor | undefined;
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

async function ask(script: SupervisorScript, token = TOKEN) {
  fake = await startFakeSupervisor(TOKEN, script);
  return fetchMqttService({ token, api: fake.url });
}
const raw = (status: number, body: string): SupervisorScript => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(body);
};
async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ScanError);
  return (error as ScanError).code;
}

describe('the Supervisor MQTT service', () => {
  it('reads the real answer (Mosquitto add-on) and sends the bearer token', async () => {
    const service = await ask(mqttServiceAnswer({ host: 'core-mosquitto', port: 1883, ssl: false, protocol: '3.1.1', username: 'addons', password: 'Eesh4sha' }));
    expect(service).toEqual({ host: 'core-mosquitto', port: 1883, ssl: false, protocol: '3.1.1', username: 'addons', password: 'Eesh4sha' });
    expect(fake!.authorizations).toEqual([`Bearer ${TOKEN}`]);
  });

  it('is absent when no add-on provides MQTT (400, result error)', async () => {
    expect(await ask(noMqttService)).toBeUndefined();
  });

  it('says AccessDenied when the token is refused', async () => {
    expect(await codeOf(ask(mqttServiceAnswer({ host: 'h', port: 1 }), 'wrong'))).toBe('AccessDenied');
  });

  it('says DeviceOffline when the Supervisor cannot be reached', async () => {
    fake = await startFakeSupervisor(TOKEN, noMqttService);
    const url = fake.url;
    await fake.stop();
    fake = undefined;
    expect(await codeOf(fetchMqttService({ token: TOKEN, api: url }))).toBe('DeviceOffline');
  });

  it.each([
    ['not JSON', raw(200, '<html>')],
    ['a JSON array', raw(200, '[1,2]')],
    ['result ok without data', raw(200, '{"result":"ok"}')],
    ['a 500 error', raw(500, '{"result":"error","message":"boom"}')],
    ['a host with a path in it', mqttServiceAnswer({ host: 'evil/x@y', port: 1883 })],
    ['an empty host', mqttServiceAnswer({ host: '', port: 1883 })],
    ['a port out of range', mqttServiceAnswer({ host: 'h', port: 70000 })],
    ['a fractional port', mqttServiceAnswer({ host: 'h', port: 18.83 })],
    ['ssl that is not a boolean', mqttServiceAnswer({ host: 'h', port: 1883, ssl: 'yes' })],
    ['a password that is not a string', mqttServiceAnswer({ host: 'h', port: 1883, password: { $gt: '' } })],
    ['a host name of 2000 characters', mqttServiceAnswer({ host: 'h'.repeat(2000), port: 1883 })],
  ])('refuses %s as a ProtocolError', async (_what, script) => {
    expect(await codeOf(ask(script))).toBe('ProtocolError');
  });

  it('refuses an answer past its size bound, whether declared or streamed', async () => {
    const big = JSON.stringify({ result: 'ok', data: { host: 'h', port: 1883, pad: 'x'.repeat(MAX_SUPERVISOR_ANSWER_BYTES) } });
    expect(await codeOf(ask(raw(200, big)))).toBe('ProtocolError');
    await fake?.stop();
    const streamed: SupervisorScript = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked: no content-length to trust
      res.write('{"result":"ok","data":{"host":"h","port":1883,"pad":"');
      res.end(`${'x'.repeat(MAX_SUPERVISOR_ANSWER_BYTES)}"}}`);
    };
    fake = await startFakeSupervisor(TOKEN, streamed);
    expect(await codeOf(fetchMqttService({ token: TOKEN, api: fake.url }))).toBe('ProtocolError');
  });

  it('takes an answer just under the bound', async () => {
    const pad = 'x'.repeat(MAX_SUPERVISOR_ANSWER_BYTES - 100);
    const service = await ask(raw(200, JSON.stringify({ result: 'ok', data: { host: 'h', port: '1883', pad } })));
    expect(service).toEqual({ host: 'h', port: 1883, ssl: false });
  });
});
