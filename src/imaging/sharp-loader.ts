/**
 * sharp loaded on first use. Its native module and libvips cost about 19 MiB of resident memory;
 * a gateway that only waits for scans needs none of it, so it is loaded when a page first needs it.
 */
import type SharpModule from 'sharp';

/** The sharp function with its statics (cache, concurrency, ...). */
export type Sharp = typeof SharpModule;

let loading: Promise<Sharp> | undefined;

/**
 * sharp, loaded once. libvips' operation cache is turned off (a daemon decodes each page once,
 * so it would only hold memory), and each pipeline runs on one thread: the gateway already runs
 * pipelines side by side on libuv's pool (strips of a page, pages of jobs), and libvips' own
 * threads per pipeline only added hand-offs (a 600 dpi page in strips: 200 ms of CPU with them,
 * 150 without).
 */
export function loadSharp(): Promise<Sharp> {
  loading ??= import('sharp').then((module) => {
    const sharp = module.default;
    sharp.cache(false);
    sharp.concurrency(1);
    return sharp;
  });
  return loading;
}
