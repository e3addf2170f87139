/** Real servers for target tests: aiosmtpd (SMTP) and rclone (WebDAV), as child processes on 127.0.0.1. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** Python with Debian's aiosmtpd (the pyenv shim on PATH may lack it). */
const PYTHON = '/usr/bin/python3';
/** How long a server may take to come up. */
const START_ATTEMPTS = 200;
const START_POLL_MS = 50;

/** A free TCP port on 127.0.0.1 (released again; the server binds it right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves once something accepts connections on the port. */
async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < START_ATTEMPTS; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(START_POLL_MS);
  }
  throw new Error(`nothing listens on port ${port}`);
}

/** A running child server. */
export interface RunningServer {
  port: number;
  stop(): Promise<void>;
}

/** Stops a child and waits for it to exit. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** aiosmtpd writing messages into `maildir`; with `tls` it requires STARTTLS and AUTH. */
export async function startSmtp(maildir: string, tls?: { cert: string; key: string; user: string; password: string }, port?: number): Promise<RunningServer> {
  const usePort = port ?? (await freePort());
  const script = fileURLToPath(new URL('./smtp-server.py', import.meta.url));
  const args = [script, String(usePort), maildir, ...(tls ? [tls.cert, tls.key, tls.user, tls.password] : [])];
  const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  await waitForPort(usePort, child);
  return { port: usePort, stop: () => stopChild(child) };
}

/** rclone's WebDAV server over `folder`, Basic auth user/password. */
export async function startWebdav(folder: string, user: string, password: string, port?: number): Promise<RunningServer> {
  const usePort = port ?? (await freePort());
  const child = spawn('rclone', ['serve', 'webdav', folder, '--addr', `127.0.0.1:${usePort}`, '--user', user, '--pass', password, '--config', '/dev/null'], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.resume();
  await waitForPort(usePort, child);
  return { port: usePort, stop: () => stopChild(child) };
}
