/**
 * A streaming PNG encoder (ISO/IEC 15948) for 8-bit grey or RGB rows: rows are deflated
 * while the scanner still sends them, so a 600 dpi page is never held whole in memory
 * (sharp buffers its whole raw input before encoding).
 */
import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream';
import { createDeflate } from 'node:zlib';
import { PNG_END, pngChunk, pngHead, type PngShape } from '../../imaging/png-format.js';

/** zlib's default level, which scanimage's libpng writer uses too. */
export const PNG_DEFLATE_LEVEL = 6;

/** Shape of the 8-bit rows to encode. */
export type PngRowsShape = PngShape;

/** Puts filter type 0 (None) before every row of a byte stream of whole rows. */
class RowFramer extends Transform {
  private inRow = 0;

  constructor(private readonly rowBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const starts = Math.ceil((chunk.length - this.rowStartOffset()) / this.rowBytes);
    const out = Buffer.alloc(chunk.length + Math.max(0, starts));
    let at = 0;
    let to = 0;
    while (at < chunk.length) {
      if (this.inRow === 0) out[to++] = 0;
      const n = Math.min(this.rowBytes - this.inRow, chunk.length - at);
      chunk.copy(out, to, at, at + n);
      at += n;
      to += n;
      this.inRow = (this.inRow + n) % this.rowBytes;
    }
    callback(null, out.subarray(0, to));
  }

  /** Bytes of the chunk that still belong to the current row before the next row starts. */
  private rowStartOffset(): number {
    return this.inRow === 0 ? 0 : this.rowBytes - this.inRow;
  }
}

/** Encodes whole 8-bit rows from `raw` into a PNG, deflating as they arrive. */
export async function* encodePngRows(raw: Readable, shape: PngRowsShape, level = PNG_DEFLATE_LEVEL): AsyncGenerator<Buffer> {
  yield pngHead(shape);
  const deflate = createDeflate({ level });
  // pipeline() destroys every stage when one fails or the consumer stops early.
  pipeline(raw, new RowFramer(shape.width * shape.channels), deflate, () => undefined);
  for await (const data of deflate as AsyncIterable<Buffer>) yield pngChunk('IDAT', data);
  yield PNG_END;
}
