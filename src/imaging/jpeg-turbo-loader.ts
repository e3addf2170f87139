/**
 * libjpeg-turbo's TurboJPEG API (the optional dependency @julusian/jpeg-turbo, which ships
 * prebuilt binaries), loaded on first use. For raw scan lines it is the cheaper JPEG encoder:
 * a 600 dpi A4 colour page in 4 MiB strips took 180 ms of CPU where sharp (libvips' pipeline
 * around mozjpeg) took 300, on a machine where the scanner's daemon competes for the same cores.
 * Where the module is missing or does not work (an unusual platform), callers use sharp.
 */
import { createRequire } from 'node:module';

/** Encode options of TurboJPEG's compress (its constants are module fields). */
export interface TurboEncodeOptions {
  format: number;
  width: number;
  height: number;
  quality: number;
  subsampling: number;
}

/** The part of @julusian/jpeg-turbo the gateway uses (declared here: the package is optional). */
export interface JpegTurbo {
  readonly FORMAT_RGB: number;
  readonly FORMAT_GRAY: number;
  readonly SAMP_420: number;
  readonly SAMP_GRAY: number;
  /** The output buffer size compress needs for these options (TurboJPEG's worst case). */
  bufferSize(options: Pick<TurboEncodeOptions, 'width' | 'height' | 'subsampling'>): number;
  /** Encodes on libuv's thread pool into `out`; resolves to the part of `out` used. */
  compress(raw: Buffer, out: Buffer, options: TurboEncodeOptions): Promise<Buffer>;
  compressSync(raw: Buffer, options: TurboEncodeOptions): Buffer;
}

let loading: Promise<JpegTurbo> | undefined;

/** The module, loaded once and proven by encoding a tiny image; rejects when it cannot be used. */
export function loadJpegTurbo(): Promise<JpegTurbo> {
  loading ??= Promise.resolve().then(() => {
    const turbo = createRequire(import.meta.url)('@julusian/jpeg-turbo') as JpegTurbo;
    const probe = turbo.compressSync(Buffer.alloc(16 * 16), { format: turbo.FORMAT_GRAY, width: 16, height: 16, quality: 75, subsampling: turbo.SAMP_GRAY });
    if (probe[0] !== 0xff || probe[1] !== 0xd8) throw new Error('libjpeg-turbo produced no JPEG');
    return turbo;
  });
  return loading;
}
