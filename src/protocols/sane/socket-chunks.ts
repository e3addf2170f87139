/**
 * A socket's data as an async iterable of the chunks as received. Iterating a byte-mode
 * socket with `for await` reads it in paused mode, which concatenates everything buffered
 * into one new buffer per step: a second copy of every image byte and buffers of random
 * sizes for the allocator. Here chunks are handed on as they came, and the socket is paused
 * while more than a bounded number of them wait.
 */
import type { Socket } from 'node:net';

/** Received chunks (each one socket read, up to 64 KiB) queued before the socket is paused. */
export const SOCKET_CHUNKS_QUEUED = 16;

/** Yields the socket's chunks until it ends; rejects with the socket's error. */
export async function* socketChunks(socket: Socket, maxQueued = SOCKET_CHUNKS_QUEUED): AsyncGenerator<Buffer, void, undefined> {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    if (queue.length >= maxQueued) socket.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: Error) => {
    failure = error;
    notify();
  };
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.on('error', onError);
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk) {
        if (queue.length < maxQueued / 2 && socket.isPaused()) socket.resume();
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      if (socket.isPaused()) socket.resume();
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('close', onEnd);
    socket.off('error', onError);
  }
}
