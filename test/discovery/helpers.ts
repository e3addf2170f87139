/** Shared helpers for the discovery tests. */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import type { Logger } from '../../src/core/logger.js';
import { FIXTURES as SHARED_FIXTURES } from '../helpers/fixtures.js';

/** The real avahi-browse capture of a Brother DCP-L2530DW `_uscan._tcp` service. */
export const BROTHER_FIXTURE = `${SHARED_FIXTURES}/escl/dnssd/brother-dcp-l2530dw-ippusbxd-uscan-txt.txt`;

/** The resolved service fields of an `avahi-browse -r` capture (TXT strings as quoted there). */
export function readAvahiCapture(path: string): { name: string; type: string; address: string; port: number; txt: string[] } {
  const text = readFileSync(path, 'utf8');
  const head = /^=\s+\S+\s+IPv[46]\s+(.+?)\s{2,}(_\w+\._tcp)\s+local$/m.exec(text);
  const address = /address = \[([^\]]*)\]/.exec(text)?.[1];
  const port = /port = \[(\d+)\]/.exec(text)?.[1];
  const txtLine = /txt = \[(.*)$/m.exec(text)?.[1] ?? '';
  if (!head?.[1] || !head[2] || !address || !port) throw new Error(`unreadable capture ${path}`);
  // Only complete quoted strings: the capture's last one was truncated at the source.
  const txt = [...txtLine.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
  return { name: head[1], type: head[2], address, port: Number(port), txt };
}

/** A UDP port nothing listens on right now. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** A debug-level pino logger that keeps every line it writes. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

/** Resolves once `condition` holds; the test's own timeout bounds the wait. */
export async function until(condition: () => boolean, pollMs = 20): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, pollMs));
}
