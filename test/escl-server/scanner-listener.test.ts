/**
 * One port, two protocols: with TLS on, a shared scanner's port answers HTTPS and plain HTTP
 * (told apart by the first byte), checked with curl; a silent connection is closed; the
 * self-signed certificate is made once and kept in the data folder.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenScanner, type ScannerListener, type TlsPair } from '../../src/escl-server/scanner-listener.js';
import { loadTlsPair } from '../../src/escl-server/tls-pair.js';
import { freePort } from '../helpers/mosquitto.js';

let folder: string;
let pair: TlsPair;
let listener: ScannerListener;
let port: number;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'escl-listener-'));
  pair = await loadTlsPair(join(folder, 'tls.json'), 'lab-gateway');
  port = await freePort();
  listener = await listenScanner(
    port,
    pair,
    (req, res) => {
      const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
      res.end(`${tls ? 'tls' : 'plain'} ${req.method} ${req.url}`);
    },
    { firstByteMs: 200 },
  );
}, 30_000);

afterAll(async () => {
  await listener?.close();
  await rm(folder, { recursive: true, force: true });
});

/** Runs curl; resolves with its stdout (the bodies of every URL, one per line) and exit code. */
function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'utf8' }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

describe('shared scanner port with TLS on', () => {
  it('answers HTTPS (curl -k) and plain HTTP on the same port, keep-alive included', async () => {
    const secure = await curl(['-k', '-w', '\\n', `https://127.0.0.1:${port}/eSCL/ScannerStatus`, `https://127.0.0.1:${port}/eSCL/ScannerCapabilities`]);
    expect(secure.code, secure.stderr).toBe(0);
    expect(secure.stdout.trim().split('\n')).toEqual(['tls GET /eSCL/ScannerStatus', 'tls GET /eSCL/ScannerCapabilities']);
    const plain = await curl(['-w', '\\n', `http://127.0.0.1:${port}/eSCL/ScannerStatus`, '-X', 'POST', '--data', 'x', `http://127.0.0.1:${port}/eSCL/ScanJobs`]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout.trim().split('\n')).toEqual(['plain POST /eSCL/ScannerStatus', 'plain POST /eSCL/ScanJobs']);
  });

  it('serves the certificate kept in the data folder, which curl without -k refuses as self-signed', async () => {
    const seen = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        resolve(socket.getPeerX509Certificate()!.toString());
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(seen.trim()).toBe(pair.cert.trim());
    const strict = await curl([`https://127.0.0.1:${port}/eSCL/ScannerStatus`]);
    expect(strict.code).toBe(60);
  });

  it('closes a connection that sends nothing (bound: first byte wait)', async () => {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    expect(socket.bytesRead).toBe(0);
  });

  it('keeps the certificate: loading again gives the same pair; the file is owner-only', async () => {
    const again = await loadTlsPair(join(folder, 'tls.json'), 'other-name');
    expect(again).toEqual(pair);
    expect((await stat(join(folder, 'tls.json'))).mode & 0o777).toBe(0o600);
  });
});
