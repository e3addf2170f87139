import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SOCKET_CHUNKS_QUEUED, socketChunks } from '../../../src/protocols/sane/socket-chunks.js';

/** A loopback server that sends `bytes` and ends, and the client socket connected to it. */
async function pair(bytes: Buffer): Promise<{ client: Socket; close: () => void }> {
  // The peer sends once the client has said hello, so a reset cannot race the connect.
  const server = createServer((peer) => {
    peer.on('error', () => undefined); // the client may break off first
    peer.once('data', () => peer.end(bytes));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  await once(client, 'connect');
  client.write('hello');
  return { client, close: () => server.close() };
}

const pattern = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) & 0xff));

describe('socketChunks', () => {
  it('hands on every byte in order, as received, until the peer ends', async () => {
    const sent = pattern(3_000_000);
    const { client, close } = await pair(sent);
    const got: Buffer[] = [];
    for await (const chunk of socketChunks(client)) got.push(chunk);
    close();
    expect(Buffer.concat(got).equals(sent)).toBe(true);
  });

  it('pauses the socket once its bound of queued chunks is reached while nobody reads, and resumes as they are read', async () => {
    const sent = pattern(16 * 1024 * 1024);
    const { client, close } = await pair(sent);
    const chunks = socketChunks(client, SOCKET_CHUNKS_QUEUED);
    const first = await chunks.next();
    // Nobody reads now: the queue fills up to the bound and the socket is paused.
    while (!client.isPaused()) await sleep(5);
    let total = (first.value as Buffer).length;
    for await (const chunk of chunks) total += chunk.length;
    close();
    expect(total).toBe(sent.length);
  });

  it('rejects with the error the socket is destroyed with (a cancel, an idle timeout) after handing on what came before', async () => {
    const { client, close } = await pair(pattern(100_000));
    const chunks = socketChunks(client);
    const first = await chunks.next();
    client.destroy(new Error('scan cancelled'));
    const rest = (async () => {
      for await (const _ of chunks) void _;
    })();
    await expect(rest).rejects.toThrow(/scan cancelled/);
    expect((first.value as Buffer).length).toBeGreaterThan(0);
    close();
  });
});
