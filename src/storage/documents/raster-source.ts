/**
 * Reads PNM and BMP pages row by row as 8-bit grey or RGB samples. sharp's prebuilt
 * libvips reads neither format, so these pages pass through here on their way to PNG.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { ScanError } from '../../core/errors.js';
import { parsePnmHeader, PNM_HEADER_LIMIT, type PnmHeader } from './pnm-header.js';
import { parseBmpHeader, BMP_HEADER_READ_BYTES, type BmpHeader } from './bmp-header.js';

/** An image delivered as rows of 8-bit samples. */
export interface RasterSource {
  width: number;
  height: number;
  channels: 1 | 3;
  /** Resolution recorded in the file, when it records one. */
  resolution?: number;
  /** Yields each row top to bottom (`width * channels` bytes, a reused buffer: copy before the next); closes the file when done. */
  rows(): AsyncGenerator<Buffer>;
}

/** Rows read from disk per read call: a few hundred KiB at 600 dpi colour. */
const ROWS_PER_READ = 32;

/** Opens a PNM or BMP file as a raster source. */
export async function openRasterSource(path: string, type: 'pnm' | 'bmp'): Promise<RasterSource> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, type === 'pnm' ? PNM_HEADER_LIMIT : BMP_HEADER_READ_BYTES));
    await handle.read(head, 0, head.length, 0);
    const header = type === 'pnm' ? parsePnmHeader(head) : parseBmpHeader(head);
    if (size < header.dataOffset + header.rowBytes * header.height) {
      throw new ScanError('ProtocolError', `${type.toUpperCase()} page is truncated`);
    }
    return 'maxval' in header ? pnmSource(handle, header) : bmpSource(handle, header);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Reads `rowBytes`-sized rows in blocks from `firstRow` on, top-down or bottom-up, and closes the file at the end. */
async function* readRows(handle: FileHandle, h: { dataOffset: number; rowBytes: number; height: number }, bottomUp: boolean): AsyncGenerator<Buffer> {
  const block = Buffer.alloc(h.rowBytes * ROWS_PER_READ);
  try {
    for (let top = 0; top < h.height; top += ROWS_PER_READ) {
      const count = Math.min(ROWS_PER_READ, h.height - top);
      // In a bottom-up file the displayed rows top..top+count-1 are stored in reverse, ending at height-1-top.
      const firstStored = bottomUp ? h.height - top - count : top;
      const length = count * h.rowBytes;
      const { bytesRead } = await handle.read(block, 0, length, h.dataOffset + firstStored * h.rowBytes);
      if (bytesRead < length) throw new ScanError('ProtocolError', 'page data ended early');
      for (let i = 0; i < count; i++) {
        const stored = bottomUp ? count - 1 - i : i;
        yield block.subarray(stored * h.rowBytes, (stored + 1) * h.rowBytes);
      }
    }
  } finally {
    await handle.close();
  }
}

/** PNM rows: PBM bits expanded (1 = black), 16-bit and odd maxvals scaled to 0..255. */
function pnmSource(handle: FileHandle, h: PnmHeader): RasterSource {
  const samples = h.width * h.channels;
  const out = Buffer.alloc(samples);
  const convert = (row: Buffer): Buffer => {
    if (h.bitmap) {
      for (let x = 0; x < h.width; x++) out[x] = ((row[x >> 3] ?? 0) >> (7 - (x & 7))) & 1 ? 0 : 255;
      return out;
    }
    if (h.maxval === 255) return row;
    const wide = h.maxval > 255;
    for (let i = 0; i < samples; i++) {
      const value = wide ? row.readUInt16BE(i * 2) : (row[i] ?? 0);
      out[i] = Math.round((Math.min(value, h.maxval) * 255) / h.maxval);
    }
    return out;
  };
  return {
    width: h.width,
    height: h.height,
    channels: h.channels,
    async *rows() {
      for await (const row of readRows(handle, h, false)) yield convert(row);
    },
  };
}

/** BMP rows: palette indexes looked up, BGR(X) reordered to RGB, stored order undone. */
function bmpSource(handle: FileHandle, h: BmpHeader): RasterSource {
  const channels = h.grey ? 1 : 3;
  const out = Buffer.alloc(h.width * channels);
  const convert = (row: Buffer): Buffer => {
    const bytesPerPixel = h.bitsPerPixel / 8;
    for (let x = 0; x < h.width; x++) {
      if (h.bitsPerPixel >= 24) {
        const p = x * bytesPerPixel;
        out[x * 3] = row[p + 2] ?? 0;
        out[x * 3 + 1] = row[p + 1] ?? 0;
        out[x * 3 + 2] = row[p] ?? 0;
        continue;
      }
      const bitOffset = x * h.bitsPerPixel;
      const index = ((row[bitOffset >> 3] ?? 0) >> (8 - h.bitsPerPixel - (bitOffset & 7))) & ((1 << h.bitsPerPixel) - 1);
      if (channels === 1) out[x] = h.palette[index * 3] ?? 0;
      else out.set(h.palette.subarray(index * 3, index * 3 + 3), x * 3);
    }
    return out;
  };
  return {
    width: h.width,
    height: h.height,
    channels,
    resolution: h.resolution,
    async *rows() {
      for await (const row of readRows(handle, h, h.bottomUp)) yield convert(row);
    },
  };
}
