/**
 * mDNS announcement and CLI, end to end. Multicast must not reach the host's
 * network, so the probe runs in a private network namespace (`unshare -n`,
 * needs root) whose only interface is loopback with multicast switched on.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
/** The probe needs a few seconds (CLI start under tsx, announce, goodbye). */
const PROBE_TIMEOUT_MS = 60_000;
const probe = join(dirname(fileURLToPath(import.meta.url)), 'announce-probe.ts');
const canUseNetns = process.getuid?.() === 0;

const NETNS_SETUP = 'ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo';

describe.skipIf(!canUseNetns)('announceEscl + cli.ts in a private network namespace', () => {
  it('announces _uscan._tcp with the TXT keys, serves the URL, and says goodbye on SIGTERM', async () => {
    const { stdout } = await run('unshare', ['-n', '--', 'sh', '-c', `${NETNS_SETUP} && exec "$0" --import tsx "$1"`, process.execPath, probe], {
      timeout: PROBE_TIMEOUT_MS,
      cwd: join(dirname(probe), '..', '..', '..'),
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(result.error).toBeUndefined();
    expect(result.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/eSCL\/$/);
    const port = Number(/:(\d+)\//.exec(String(result.url))?.[1]);
    expect(result.service).toMatchObject({
      name: 'Sim Probe Scanner',
      type: 'uscan',
      port,
      txt: {
        txtvers: '1', vers: '2.0', rs: 'eSCL', ty: 'Noname frontend-tester', UUID: '11111111-2222-3333-4444-555555555555',
        cs: 'color,grayscale', is: 'platen,adf', pdl: 'application/pdf,image/jpeg,image/png', duplex: 'F',
        adminurl: String(result.url), representation: `${String(result.url)}Icon.png`,
      },
    });
    expect(result.statusCode).toBe(200);
    expect(result.goodbye).toBe('Sim Probe Scanner');
    expect(result.cliLastLine).toBe('stopped');
    expect(result.cliExit).toBe(0);
  });
});
