/**
 * The broker, layer by layer, so the report names the layer that fails: the TCP port
 * answers, the TLS handshake passes (mqtts://), the login is accepted, the base topic may
 * be subscribed to. mqtt.js alone folds several of these into one "connection closed".
 */
import { readFile } from 'node:fs/promises';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { connect as mqttConnect } from 'mqtt';
import type { MqttConfig } from '../config/load.js';
import type { CheckResult } from './check-result.js';

/** How long each layer may take before the doctor calls it unanswered. */
export const BROKER_STEP_TIMEOUT_MS = 5_000;
/** SUBACK's "refused" return code (MQTT 3.1.1 §3.9.3, and v5's 0x80). */
const SUBACK_FAILURE = 128;
/** CONNACK return codes of a refused login (MQTT 3.1.1: 4, 5; MQTT 5: 0x86, 0x87). */
const LOGIN_REFUSED = new Set([4, 5, 134, 135]);

/** What the broker check reads. */
export type BrokerSettings = Pick<MqttConfig, 'url' | 'username' | 'password' | 'ca' | 'cert' | 'key' | 'reject_unauthorized' | 'base_topic'>;

/**
 * Checks the broker of `settings`; one result per layer reached, the last one saying what failed.
 * `embeddedFallback`: the gateway would start its own loopback broker when nothing listens
 * (no broker configured at all), so nothing listening is a note, not a problem.
 */
export async function checkBroker(settings: BrokerSettings, embeddedFallback = false, timeoutMs = BROKER_STEP_TIMEOUT_MS): Promise<CheckResult[]> {
  const url = new URL(settings.url);
  const subject = `${url.protocol}//${url.host}`;
  const result = (status: CheckResult['status'], message: string, fix?: string): CheckResult => ({ area: 'broker', subject, status, message, ...(fix ? { fix } : {}) });
  const secure = url.protocol === 'mqtts:' || url.protocol === 'wss:';
  const port = Number(url.port || defaultPort(url.protocol));
  const host = url.hostname.replace(/^\[|\]$/g, '');

  const tcp = await tcpAnswers(host, port, timeoutMs);
  if (tcp !== undefined && embeddedFallback && tcp.startsWith('nothing listens')) {
    return [
      result(
        'note',
        `${tcp}: the gateway will start its embedded broker there (loopback only), which only programs on this host can reach`,
        'for Home Assistant on another host, run a broker (Mosquitto) and set mqtt.url (SCAN2MQTT_MQTT_URL)',
      ),
    ];
  }
  if (tcp !== undefined) return [result('problem', `cannot reach the broker: ${tcp}`, `start the broker, or set mqtt.url (SCAN2MQTT_MQTT_URL) to where it listens`)];
  const out = [result('ok', `port ${port} answers`)];

  if (secure) {
    const tls = await tlsProblem(host, port, settings, timeoutMs);
    if (tls !== undefined) return [...out, result('problem', `TLS handshake failed: ${tls.message}`, tls.fix)];
    out.push(result('ok', 'TLS certificate accepted'));
  } else if (!isLoopback(host)) {
    out.push(result('note', 'connected without TLS: the password and every scan travel unencrypted on the network', 'use mqtts:// with a broker certificate (mqtt.ca) if this network is not trusted'));
  }

  const login = await mqttLogin(settings, timeoutMs);
  if (login.problem !== undefined) return [...out, result('problem', login.problem, login.fix)];
  out.push(result('ok', settings.username ? `logged in as "${settings.username}"` : 'anonymous login accepted'));
  const topic = `${settings.base_topic}/#`;
  if (login.subscribeRefused) {
    out.push(result('problem', `the broker refuses a subscription to ${topic}`, `allow user "${settings.username || '(anonymous)'}" to read and write ${topic} and homeassistant/# in the broker's ACL`));
  } else {
    out.push(result('ok', `may subscribe to ${topic}`));
  }
  return out;
}

function defaultPort(protocol: string): number {
  return { 'mqtt:': 1883, 'mqtts:': 8883, 'ws:': 80, 'wss:': 443 }[protocol] ?? 1883;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** Undefined when a TCP connection is accepted, else why not, in words. */
function tcpAnswers(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket: Socket = tcpConnect({ host, port });
    const done = (why: string | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer from ${host}:${port} within ${timeoutMs / 1000} s (a firewall, or the wrong host)`), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done(socketErrorText(error, host, port)));
  });
}

function socketErrorText(error: NodeJS.ErrnoException, host: string, port: number): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return `nothing listens on ${host}:${port}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name "${host}" is unknown`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${host}`;
    default:
      return `${error.code ?? ''} ${error.message}`.trim();
  }
}

/** Undefined when the handshake passes with the configured CA and client certificate. */
async function tlsProblem(host: string, port: number, settings: BrokerSettings, timeoutMs: number): Promise<{ message: string; fix: string } | undefined> {
  const options: ConnectionOptions = { host, port, rejectUnauthorized: settings.reject_unauthorized, servername: /^[\d.:]+$/.test(host) ? undefined : host };
  try {
    if (settings.ca) options.ca = await readFile(settings.ca);
    if (settings.cert) options.cert = await readFile(settings.cert);
    if (settings.key) options.key = await readFile(settings.key);
  } catch (error) {
    return { message: `cannot read a TLS file: ${(error as Error).message}`, fix: 'check the paths in mqtt.ca, mqtt.cert and mqtt.key' };
  }
  return new Promise((resolve) => {
    const socket = tlsConnect(options);
    const done = (value: { message: string; fix: string } | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done({ message: 'no TLS answer in time', fix: 'is this a TLS port? plain MQTT uses mqtt://' }), timeoutMs);
    socket.once('secureConnect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) => done({ message: `${error.code ?? ''} ${error.message}`.trim(), fix: tlsFix(error.code) }));
  });
}

function tlsFix(code: string | undefined): string {
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ECONNRESET') return 'this port does not speak TLS: use mqtt:// for it, or the broker\'s TLS port';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'the certificate is for another name: connect by the name it was issued for';
  return 'give the CA that signed the broker certificate in mqtt.ca (SCAN2MQTT_MQTT_CA), or set mqtt.reject_unauthorized=false for a self-signed broker you trust';
}

interface LoginOutcome {
  problem?: string;
  fix?: string;
  subscribeRefused?: boolean;
}

/** Logs in with the configured credentials and tries to subscribe to the base topic. */
async function mqttLogin(settings: BrokerSettings, timeoutMs: number): Promise<LoginOutcome> {
  const read = async (path: string) => (path ? await readFile(path) : undefined);
  const client = mqttConnect(settings.url, {
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
    clientId: `scan2mqtt_doctor_${process.pid}`,
    rejectUnauthorized: settings.reject_unauthorized,
    ...(settings.username ? { username: settings.username } : {}),
    ...(settings.password ? { password: settings.password } : {}),
    ...(settings.ca ? { ca: await read(settings.ca) } : {}),
    ...(settings.cert ? { cert: await read(settings.cert) } : {}),
    ...(settings.key ? { key: await read(settings.key) } : {}),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no MQTT answer within ${timeoutMs / 1000} s`)), timeoutMs);
      client.once('connect', () => (clearTimeout(timer), resolve()));
      client.once('error', (error) => (clearTimeout(timer), reject(error)));
      client.once('close', () => (clearTimeout(timer), reject(new Error('the broker closed the connection before accepting it'))));
    });
  } catch (error) {
    await client.endAsync(true).catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number' && LOGIN_REFUSED.has(code)) {
      return settings.username
        ? { problem: `the broker refuses user "${settings.username}": ${(error as Error).message}`, fix: 'check mqtt.username and mqtt.password (SCAN2MQTT_MQTT_USERNAME, SCAN2MQTT_MQTT_PASSWORD)' }
        : { problem: `the broker refuses anonymous clients: ${(error as Error).message}`, fix: 'set mqtt.username and mqtt.password (SCAN2MQTT_MQTT_USERNAME, SCAN2MQTT_MQTT_PASSWORD) to a user of the broker' };
    }
    return { problem: `MQTT login failed: ${(error as Error).message}`, fix: 'check that this port is an MQTT broker (mqtt.url)' };
  }
  try {
    const granted = await client.subscribeAsync(`${settings.base_topic}/#`, { qos: 1 });
    return { subscribeRefused: granted.some((g) => g.qos === SUBACK_FAILURE) };
  } catch {
    return { subscribeRefused: true };
  } finally {
    await client.endAsync(true).catch(() => undefined);
  }
}
