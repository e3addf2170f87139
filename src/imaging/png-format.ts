/** The parts of a PNG file (ISO/IEC 15948) that the streaming encoders write. Pure. */
import { crc32 } from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Colour types (PNG 11.2.2). */
const COLOUR_GREY = 0;
const COLOUR_RGB = 2;
const INCHES_PER_METRE = 1 / 0.0254;

/** Size and channels of an 8-bit grey or RGB image. */
export interface PngShape {
  width: number;
  height: number;
  channels: 1 | 3;
}

/** One PNG chunk: length, type, data, CRC-32 over type and data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))), 0);
  return Buffer.concat([head, data, crc]);
}

/** Signature, IHDR and, with a resolution in dpi, pHYs of an 8-bit non-interlaced grey or RGB PNG. */
export function pngHead(shape: PngShape, resolution?: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(shape.width, 0);
  ihdr.writeUInt32BE(shape.height, 4);
  ihdr.writeUInt8(8, 8);
  ihdr.writeUInt8(shape.channels === 1 ? COLOUR_GREY : COLOUR_RGB, 9);
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

/** The closing IEND chunk. */
export const PNG_END: Buffer = pngChunk('IEND', new Uint8Array(0));
