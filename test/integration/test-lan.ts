/**
 * A two-host LAN for discovery tests: this (root) namespace gets one end of a veth pair,
 * a fresh network namespace the other, on TEST-NET-2 (RFC 5737), so mDNS multicast and the
 * scans that follow stay between the two. Needs root; removed by `destroy()`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

/** Addresses of the two ends. */
export const GATEWAY_ADDRESS = '198.51.100.2';
export const DEVICE_ADDRESS = '198.51.100.1';

/** True when this process may create namespaces. */
export function canCreateNamespaces(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A namespace on the far end of a veth pair. */
export interface TestLan {
  readonly namespace: string;
  /** Runs a command inside the device namespace (output piped). */
  spawnInDevice(command: string, args: string[]): ChildProcess;
  destroy(): void;
}

/** Creates the namespace, the veth pair and the addresses. */
export function createTestLan(): TestLan {
  const tag = randomBytes(3).toString('hex');
  const namespace = `s2m-lan-${tag}`;
  const hostEnd = `s2mh${tag}`;
  const deviceEnd = `s2md${tag}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  const inNs = (...args: string[]) => ip('netns', 'exec', namespace, 'ip', ...args);
  ip('netns', 'add', namespace);
  try {
    ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', deviceEnd);
    ip('link', 'set', deviceEnd, 'netns', namespace);
    ip('addr', 'add', `${GATEWAY_ADDRESS}/24`, 'dev', hostEnd);
    ip('link', 'set', hostEnd, 'up', 'multicast', 'on');
    inNs('addr', 'add', `${DEVICE_ADDRESS}/24`, 'dev', deviceEnd);
    inNs('link', 'set', deviceEnd, 'up', 'multicast', 'on');
    inNs('link', 'set', 'lo', 'up');
    // The namespace has no default route; multicast (mDNS) needs one of its own.
    inNs('route', 'add', '224.0.0.0/4', 'dev', deviceEnd);
  } catch (error) {
    execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
    throw error;
  }
  const children: ChildProcess[] = [];
  return {
    namespace,
    spawnInDevice(command, args) {
      const child = spawn('ip', ['netns', 'exec', namespace, command, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      return child;
    },
    destroy() {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      try {
        execFileSync('ip', ['link', 'del', hostEnd], { stdio: 'ignore' });
      } catch {
        // deleting the namespace removes the pair too
      }
      execFileSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
    },
  };
}

/** Starts the eSCL simulator CLI inside the LAN namespace, announced over mDNS; resolves with its URL. */
export function startAnnouncedSimulator(lan: TestLan, args: string[]): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = lan.spawnInDevice(process.execPath, ['--import', 'tsx', 'test/sim/escl/cli.ts', '--host', DEVICE_ADDRESS, ...args]);
  return new Promise((resolveStart, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`simulator did not start: ${out}`)), 20_000);
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const url = out.split('\n').find((l) => l.startsWith('http'));
      if (url) {
        clearTimeout(timer);
        resolveStart({
          url,
          child,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited ${code}: ${out}`)));
  });
}
