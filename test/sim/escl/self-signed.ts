/** A throw-away self-signed certificate for the `_uscans` (HTTPS) flavour, made with the openssl CLI. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** openssl should answer in well under this; a hung CLI must not hang the test run. */
export const OPENSSL_TIMEOUT_MS = 20_000;
/** Validity of the certificate; simulators live for one test run. */
const CERT_DAYS = 2;

/** PEM key and certificate. */
export interface SelfSignedCert {
  readonly key: string;
  readonly cert: string;
}

/** Generates a P-256 self-signed certificate for localhost / 127.0.0.1 / ::1; the temp dir is gone when it returns. */
export async function makeSelfSignedCert(commonName = 'escl-simulator'): Promise<SelfSignedCert> {
  const dir = await mkdtemp(join(tmpdir(), 'escl-sim-tls-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    await run(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath,
        '-days', String(CERT_DAYS), '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'],
      { timeout: OPENSSL_TIMEOUT_MS },
    );
    const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
    return { key, cert };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
