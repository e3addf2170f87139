/**
 * Probing for an instance name before first announcing it (RFC 6762 §8.1): three queries,
 * 250 ms apart, on every link at once; any answer that names the instance means another
 * host holds it. Sent on all links together, before any link's responder holds the name,
 * so our own responders (which hear every link, see link-addresses.ts) cannot answer it.
 */
import type { EventEmitter } from 'node:events';

/** Probe queries per name (RFC 6762 §8.1). */
export const PROBE_COUNT = 3;
/** Wait between probe queries, and after the last one (RFC 6762 §8.1). */
export const DEFAULT_PROBE_INTERVAL_MS = 250;

/** The part of a multicast-dns instance probing uses. */
export interface ProbeSocket extends EventEmitter {
  query(packet: { questions: Array<{ name: string; type: string }> }, callback?: (error?: Error | null) => void): void;
}

interface AnswerPacket {
  answers?: Array<{ name?: string; ttl?: number }>;
  additionals?: Array<{ name?: string; ttl?: number }>;
}

/** Resolves true when some other responder answered for `fqdn` on any of `sockets`. */
export function probeForConflict(sockets: readonly ProbeSocket[], fqdn: string, intervalMs = DEFAULT_PROBE_INTERVAL_MS): Promise<boolean> {
  if (sockets.length === 0) return Promise.resolve(false);
  const wanted = fqdn.toLowerCase();
  return new Promise((resolve) => {
    let sent = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const onResponse = (packet: AnswerPacket): void => {
      // A goodbye (TTL 0) for the name means its holder is leaving it, not holding it.
      const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])];
      if (records.some((r) => r.name?.toLowerCase() === wanted && r.ttl !== 0)) finish(true);
    };
    const finish = (conflict: boolean): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      for (const socket of sockets) socket.removeListener('response', onResponse);
      resolve(conflict);
    };
    const send = (): void => {
      if (done) return;
      if (sent++ === PROBE_COUNT) return finish(false);
      for (const socket of sockets) {
        try {
          socket.query({ questions: [{ name: fqdn, type: 'ANY' }] }, () => {});
        } catch {
          // A closed socket cannot probe; the other links still do.
        }
      }
      timer = setTimeout(send, intervalMs);
      timer.unref();
    };
    for (const socket of sockets) socket.on('response', onResponse);
    send();
  });
}
