/**
 * The self-signed certificate of the HTTPS eSCL server, made once and kept in the data folder:
 * clients that pinned it on first use (as eSCL clients do with devices) keep trusting it.
 */
import { readJsonFile, writeFileAtomic } from '../persistence/json-file.js';
import type { TlsPair } from './scanner-listener.js';

/** Validity of a generated certificate, in days. */
export const CERT_DAYS = 3650;

/** Reads the pair, or makes and saves a new one for `host`. */
export async function loadTlsPair(path: string, host: string): Promise<TlsPair> {
  const known = await readJsonFile<Partial<TlsPair> | null>(path, null).catch(() => null);
  if (known?.key && known.cert) return { key: known.key, cert: known.cert };
  const notAfter = new Date(Date.now() + CERT_DAYS * 86_400_000);
  // Loaded only to make a certificate: its ASN.1 and X.509 modules cost some 75 ms of every start-up otherwise.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: host }], { keySize: 2048, notAfterDate: notAfter });
  const pair = { key: pems.private, cert: pems.cert };
  // Owner-only: the file holds a private key.
  await writeFileAtomic(path, JSON.stringify(pair), { mode: 0o600 });
  return pair;
}
