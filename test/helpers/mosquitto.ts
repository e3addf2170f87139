/**
 * A real, private mosquitto for tests: Debian's /usr/sbin/mosquitto in the foreground
 * on a free loopback port (never 1883, where a system broker may already listen),
 * optionally with username/password and TLS (a CA and server cert made with openssl).
 *
 *   const broker = await startMosquitto({ auth: { username: 'u', password: 'p' } });
 *   ... connect to broker.url ...
 *   await broker.stop();
 *
 * To simulate a broker restart, stop it and start another with `{ port: broker.port }`.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Where Debian installs the broker. */
export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';
/** How long a broker gets to accept connections (or to exit on stop) before the harness gives up. */
const STARTUP_LIMIT_MS = 10_000;
const STOP_LIMIT_MS = 5_000;
const POLL_INTERVAL_MS = 50;

/** Options of one broker. */
export interface MosquittoOptions {
  /** Require this login (anonymous access is then refused). */
  auth?: { username: string; password: string };
  /** Serve `mqtts://` with a certificate for localhost/127.0.0.1 signed by a fresh CA (`caFile`). */
  tls?: boolean;
  /** Listen on this port instead of a fresh free one (to restart a broker where clients expect it). */
  port?: number;
  /** Also listen on this address (same port), e.g. a test namespace's veth end, for a gateway in that namespace. */
  alsoListenOn?: string;
}

/** A running broker. */
export interface MosquittoBroker {
  /** `mqtt://127.0.0.1:<port>` or `mqtts://localhost:<port>`. */
  url: string;
  port: number;
  /** PEM of the CA that signed the server certificate (TLS only). */
  caFile?: string;
  /** The broker's log file, for debugging a failing test. */
  logFile: string;
  /** Stops the broker and deletes its temp folder. */
  stop(): Promise<void>;
}

/** Starts a private mosquitto and resolves once it accepts TCP connections. */
export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'scan2mqtt-mosquitto-'));
  try {
    // mosquitto started as root drops to the `mosquitto` user unless told otherwise.
    await chmod(dir, 0o755);
    const port = opts.port ?? (await freePort());
    const logFile = join(dir, 'mosquitto.log');
    const lines = [`listener ${port} 127.0.0.1`, ...(opts.alsoListenOn ? [`listener ${port} ${opts.alsoListenOn}`] : []), 'persistence false', `log_dest file ${logFile}`, 'log_type all'];
    if (process.getuid?.() === 0) lines.push('user root');
    if (opts.auth) {
      const passwordFile = join(dir, 'passwd');
      await run('mosquitto_passwd', ['-b', '-c', passwordFile, opts.auth.username, opts.auth.password]);
      lines.push('allow_anonymous false', `password_file ${passwordFile}`);
    } else {
      lines.push('allow_anonymous true');
    }
    let caFile: string | undefined;
    if (opts.tls) {
      const tls = await makeCertificates(dir);
      caFile = tls.caFile;
      lines.push(`cafile ${tls.caFile}`, `certfile ${tls.certFile}`, `keyfile ${tls.keyFile}`);
    }
    const confFile = join(dir, 'mosquitto.conf');
    await writeFile(confFile, `${lines.join('\n')}\n`);
    const child = spawn(MOSQUITTO_BIN, ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    await waitUntilListening(child, port, logFile);
    const url = `${opts.tls ? 'mqtts://localhost' : 'mqtt://127.0.0.1'}:${port}`;
    return { url, port, caFile, logFile, stop: () => stopBroker(child, dir) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A loopback port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** True when a TCP connection to 127.0.0.1:port is accepted. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntilListening(child: ChildProcess, port: number, logFile: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + STARTUP_LIMIT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`mosquitto exited (${child.exitCode ?? child.signalCode}): ${stderr}${log}`);
    }
    if (await accepts(port)) return;
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
  child.kill('SIGKILL');
  throw new Error(`mosquitto did not listen on ${port} within ${STARTUP_LIMIT_MS} ms: ${stderr}`);
}

async function stopBroker(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_LIMIT_MS);
    await exited;
    clearTimeout(timer);
  }
  await rm(dir, { recursive: true, force: true });
}

/** A throwaway CA and a server certificate for localhost, 127.0.0.1 and ::1. */
async function makeCertificates(dir: string): Promise<{ caFile: string; certFile: string; keyFile: string }> {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const certFile = join(dir, 'server.crt');
  const ext = join(dir, 'server.ext');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caFile, '-days', '1', '-subj', '/CN=scan2mqtt test CA']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', '/CN=localhost']);
  await writeFile(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nbasicConstraints=CA:FALSE\n');
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '1', '-extfile', ext]);
  await chmod(keyFile, 0o644);
  return { caFile, certFile, keyFile };
}
