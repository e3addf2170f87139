/** Reads the first bytes of a file, for header parsers that must not load whole pages. */
import { open } from 'node:fs/promises';

/** Returns up to `limit` bytes from the start of `path`. */
export async function readFileHead(path: string, limit: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(limit);
    const { bytesRead } = await handle.read(buffer, 0, limit, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
