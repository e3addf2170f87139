/**
 * A client machine on a test LAN: its own system D-Bus and avahi-daemon (as on a desktop),
 * in a private mount namespace inside the LAN's network namespace, so avahi-browse and the
 * SANE backends (which browse through avahi-client) run there like on any Debian client.
 * Needs root, dbus-daemon, avahi-daemon and nsenter.
 */
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestLanSegment } from './test-lan.js';

const AVAHI = '/usr/sbin/avahi-daemon';
/** How long one command inside the client may run. */
const COMMAND_TIMEOUT_MS = 30_000;

/** One line of `avahi-browse -rpt`: a resolved service. */
export interface ResolvedLine {
  interfaceName: string;
  protocol: 'IPv4' | 'IPv6';
  name: string;
  type: string;
  host: string;
  address: string;
  port: number;
  txt: string[];
}

/** The client machine. */
export interface AvahiClientHost {
  /** Runs a command in the client's network and mount namespace. */
  run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The resolved services of a type that avahi knows now. */
  browse(type: string): Promise<ResolvedLine[]>;
  stop(): void;
}

/** Starts D-Bus and avahi-daemon on the LAN's device namespace; resolves once avahi answers clients. */
export async function startAvahiClientHost(lan: TestLanSegment, hostName: string): Promise<AvahiClientHost> {
  const dir = mkdtempSync(join(tmpdir(), 's2m-client-'));
  writeFileSync(join(dir, 'avahi-daemon.conf'), `[server]\nhost-name=${hostName}\nuse-ipv4=yes\nuse-ipv6=yes\nenable-dbus=yes\n[wide-area]\nenable-wide-area=no\n[publish]\npublish-hinfo=no\npublish-workstation=no\n`);
  const services = join(dir, 'services');
  execFileSync('mkdir', ['-p', services]);
  // Private /run: the bus socket and avahi's pid file are fixed paths; the host's own service files stay out.
  const script = [
    'mount -t tmpfs tmpfs /run',
    'mkdir -p /run/dbus /run/avahi-daemon',
    'dbus-daemon --system --fork',
    `mount --bind ${services} /etc/avahi/services`,
    `exec ${AVAHI} --no-chroot --no-drop-root --no-rlimits -f ${join(dir, 'avahi-daemon.conf')}`,
  ].join(' && ');
  const daemon: ChildProcess = lan.spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script]);
  const pid = daemon.pid!;
  const run = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('nsenter', ['-t', String(pid), '-m', '-n', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), command, ...args], { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr }),
      );
    });
  const browse = async (type: string) => parseBrowse((await run('avahi-browse', ['-rpt', type])).stdout);
  for (;;) {
    if (daemon.exitCode !== null) throw new Error('avahi-daemon exited');
    if ((await run('avahi-browse', ['-pt', '_uscan._tcp'])).code === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    run,
    browse,
    stop() {
      if (daemon.exitCode !== null || daemon.signalCode !== null) return;
      try {
        execFileSync('nsenter', ['-t', String(pid), '-m', '-n', '--', 'sh', '-c', 'kill $(cat /run/dbus/pid)'], { stdio: 'ignore' });
      } catch {
        // the bus is gone already
      }
      daemon.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The `=` lines of `avahi-browse -rpt` (fields `;`-separated, `\DDD` decimal escapes in names). */
export function parseBrowse(output: string): ResolvedLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('='))
    .map((line) => {
      const [, interfaceName, protocol, name, type, , host, address, port, ...rest] = line.split(';');
      const txt = [...rest.join(';').matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => unescape(m[1] ?? ''));
      return { interfaceName: interfaceName ?? '', protocol: protocol as 'IPv4' | 'IPv6', name: unescape(name ?? ''), type: type ?? '', host: host ?? '', address: address ?? '', port: Number(port), txt };
    });
}

function unescape(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const m = /^\\(\d{3})/.exec(text.slice(i));
    if (m) {
      bytes.push(Number(m[1]));
      i += 3;
    } else if (text[i] === '\\' && i + 1 < text.length) {
      bytes.push(...Buffer.from(text[++i]!));
    } else {
      bytes.push(...Buffer.from(text[i]!));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
