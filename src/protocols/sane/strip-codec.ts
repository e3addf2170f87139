/**
 * The JPEG encoder of one page's strips: libjpeg-turbo through TurboJPEG where it loads, sharp
 * otherwise. Both write baseline JPEG with the standard tables of a quality (IJG scaling, standard
 * Huffman tables), which strip joining needs (jpeg-strips.ts). TurboJPEG, as the binding calls it,
 * uses libjpeg's fast integer DCT: at quality 95 and below that costs under 0.1 dB of PSNR (0.01 dB
 * at 75, 0.05 at 90 on a test page and a photo-like one). Above 95 it degrades visibly, which is why
 * libjpeg-turbo itself switches to the accurate DCT there; so do we, by taking sharp.
 */
import { loadJpegTurbo, type JpegTurbo } from '../../imaging/jpeg-turbo-loader.js';
import { loadSharp, type Sharp } from '../../imaging/sharp-loader.js';
import { StripPool } from './strip-pool.js';

/** Highest quality encoded with the fast DCT. */
export const FAST_DCT_MAX_QUALITY = 95;

/** Which library encodes. */
export type StripCodecName = 'libjpeg-turbo' | 'sharp';

/** The strips of one page shape at one quality. */
export interface StripShapeAndQuality {
  width: number;
  channels: 1 | 3;
  /** Lines of a full strip (the last one may have fewer). */
  stripLines: number;
  quality: number;
}

/** Encodes strips of raw 8-bit lines into whole baseline JPEGs. */
export interface StripCodec {
  readonly name: StripCodecName;
  /** `pixels` holds `lines` whole lines; the result is a buffer of its own (no view into shared memory). */
  encode(pixels: Buffer, lines: number): Promise<Buffer>;
}

/**
 * TurboJPEG writes into a buffer of its worst-case size (about the raw strip's): those are reused,
 * like strip buffers, and each JPEG is copied out at its real size (an eighth of that, ~2 ms a page).
 * Fresh worst-case buffers per strip made V8 count 100 MB of external memory per 600 dpi page.
 */
const scratchPool = new StripPool();

/** The codec for these strips; a libjpeg-turbo that fails to load means sharp, never a failed scan. */
export async function loadStripCodec(strips: StripShapeAndQuality, loadTurbo: () => Promise<JpegTurbo> = loadJpegTurbo): Promise<StripCodec> {
  if (strips.quality <= FAST_DCT_MAX_QUALITY) {
    const turbo = await loadTurbo().catch(() => undefined);
    if (turbo) return turboCodec(turbo, strips);
  }
  return sharpCodec(await loadSharp(), strips);
}

function turboCodec(turbo: JpegTurbo, { width, channels, stripLines, quality }: StripShapeAndQuality): StripCodec {
  const format = channels === 1 ? turbo.FORMAT_GRAY : turbo.FORMAT_RGB;
  const subsampling = channels === 1 ? turbo.SAMP_GRAY : turbo.SAMP_420;
  const scratchBytes = turbo.bufferSize({ width, height: stripLines, subsampling });
  return {
    name: 'libjpeg-turbo',
    async encode(pixels, lines) {
      const scratch = scratchPool.take(scratchBytes);
      try {
        const jpeg = await turbo.compress(pixels, scratch, { format, width, height: lines, quality, subsampling });
        return Buffer.from(jpeg);
      } finally {
        scratchPool.give(scratch);
      }
    },
  };
}

function sharpCodec(sharp: Sharp, { width, channels, quality }: StripShapeAndQuality): StripCodec {
  return {
    name: 'sharp',
    encode: (pixels, lines) => {
      const image = sharp(pixels, { raw: { width, height: lines, channels } });
      // sharp's output is sRGB unless told otherwise: grey lines would become a three-component JPEG.
      if (channels === 1) image.toColourspace('b-w');
      return image.jpeg({ quality, optimiseCoding: false, chromaSubsampling: '4:2:0' }).toBuffer();
    },
  };
}
