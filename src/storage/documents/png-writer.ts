/** A streaming PNG encoder (PNG spec, ISO/IEC 15948): rows in, file out, one row in memory at a time. */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate } from 'node:zlib';
import { PNG_END, pngChunk, pngHead } from '../../imaging/png-format.js';
import type { RasterSource } from './raster-source.js';

/** PNG filter type 0 (None) before each row: scans compress well enough without prediction. */
const FILTER_NONE = Buffer.from([0]);

/** Writes a raster as a PNG file; `compressionLevel` 1 suits intermediate files, 6 final ones. */
export async function writePng(path: string, raster: RasterSource, options: { resolution?: number; compressionLevel?: number } = {}): Promise<void> {
  const head = pngHead(raster, options.resolution ?? raster.resolution);
  async function* filteredRows() {
    for await (const row of raster.rows()) yield Buffer.concat([FILTER_NONE, row]);
  }
  async function* chunks(deflated: AsyncIterable<Buffer>) {
    yield head;
    for await (const data of deflated) yield pngChunk('IDAT', data);
    yield PNG_END;
  }
  await pipeline(Readable.from(filteredRows()), createDeflate({ level: options.compressionLevel ?? 6 }), chunks, createWriteStream(path));
}
