/** A streaming PNG encoder (PNG spec, ISO/IEC 15948): rows in, file out, one row in memory at a time. */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate, crc32 } from 'node:zlib';
import type { RasterSource } from './raster-source.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const COLOR_TYPE_GREY = 0;
const COLOR_TYPE_RGB = 2;
/** PNG filter type 0 (None) before each row: scans compress well enough without prediction. */
const FILTER_NONE = Buffer.from([0]);
const INCHES_PER_METRE = 1 / 0.0254;

/** Builds one PNG chunk: length, type, data, CRC over type and data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/** Signature, IHDR and (with a resolution) pHYs of an 8-bit grey or RGB PNG. */
function pngHead(raster: RasterSource, resolution: number | undefined): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(raster.width, 0);
  ihdr.writeUInt32BE(raster.height, 4);
  ihdr.writeUInt8(8, 8);
  ihdr.writeUInt8(raster.channels === 1 ? COLOR_TYPE_GREY : COLOR_TYPE_RGB, 9);
  const parts = [PNG_SIGNATURE, pngChunk('IHDR', ihdr)];
  if (resolution !== undefined && resolution > 0) {
    const phys = Buffer.alloc(9);
    const perMetre = Math.round(resolution * INCHES_PER_METRE);
    phys.writeUInt32BE(perMetre, 0);
    phys.writeUInt32BE(perMetre, 4);
    phys.writeUInt8(1, 8); // unit: metre
    parts.push(pngChunk('pHYs', phys));
  }
  return Buffer.concat(parts);
}

/** Writes a raster as a PNG file; `compressionLevel` 1 suits intermediate files, 6 final ones. */
export async function writePng(path: string, raster: RasterSource, options: { resolution?: number; compressionLevel?: number } = {}): Promise<void> {
  const head = pngHead(raster, options.resolution ?? raster.resolution);
  async function* filteredRows() {
    for await (const row of raster.rows()) yield Buffer.concat([FILTER_NONE, row]);
  }
  async function* chunks(deflated: AsyncIterable<Buffer>) {
    yield head;
    for await (const data of deflated) yield pngChunk('IDAT', data);
    yield pngChunk('IEND', new Uint8Array(0));
  }
  await pipeline(Readable.from(filteredRows()), createDeflate({ level: options.compressionLevel ?? 6 }), chunks, createWriteStream(path));
}
