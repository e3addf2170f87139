/**
 * Temporary files for pages that cannot stream straight into the encoder: unknown
 * height (hand scanners, `lines = -1`) and three-pass frames that must be interleaved.
 * Files live in one folder under os.tmpdir(), removed when the job ends.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interleaveRgb } from './pixels.js';

/** Prefix of the per-job temporary folder. */
const SPOOL_PREFIX = 'scan2mqtt-sane-';

/** Lines read per step when interleaving three planes. */
const INTERLEAVE_LINES = 64;

/** A per-job folder of raw spool files. */
export class PageSpool {
  private dir: string | undefined;
  private count = 0;

  /** A new file to write raw lines into. */
  async create(): Promise<{ path: string; file: WriteStream }> {
    this.dir ??= await mkdtemp(join(tmpdir(), SPOOL_PREFIX));
    const path = join(this.dir, `frame-${++this.count}.raw`);
    const file = createWriteStream(path);
    await once(file, 'open');
    return { path, file };
  }

  /** Removes every spool file of the job. */
  async dispose(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** Reads three plane files line by line and yields interleaved RGB lines. */
export async function* interleavePlanes(paths: [string, string, string], lineBytes: number, lines: number, sampleBytes: number): AsyncGenerator<Buffer> {
  const handles = await Promise.all(paths.map((p) => open(p, 'r')));
  try {
    for (let line = 0; line < lines; line += INTERLEAVE_LINES) {
      const n = Math.min(INTERLEAVE_LINES, lines - line);
      const planes = await Promise.all(handles.map(async (h) => {
        const buf = Buffer.alloc(n * lineBytes);
        await h.read(buf, 0, buf.length, line * lineBytes);
        return buf;
      }));
      const [r, g, b] = planes as [Buffer, Buffer, Buffer];
      for (let i = 0; i < n; i++) {
        const at = i * lineBytes;
        yield interleaveRgb(r.subarray(at, at + lineBytes), g.subarray(at, at + lineBytes), b.subarray(at, at + lineBytes), sampleBytes);
      }
    }
  } finally {
    await Promise.all(handles.map((h) => h.close()));
  }
}
