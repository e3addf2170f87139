/** Puts the pages of a duplex batch into reading order. Pure. */
import type { DuplexOrder } from '../document-options.js';

/**
 * Reading order of `pages` delivered in `order`: fronts f1..fn followed by backs (b1..bn or
 * bn..b1) are interleaved f1 b1 f2 b2...; with an odd count the fronts hold the extra sheet
 * side (its back is missing), so fronts = ceil(count / 2).
 */
export function orderDuplexPages<T>(pages: readonly T[], order: DuplexOrder): T[] {
  if (order === 'as-delivered' || pages.length < 3) return [...pages];
  const frontCount = Math.ceil(pages.length / 2);
  const fronts = pages.slice(0, frontCount);
  const backs = pages.slice(frontCount);
  if (order === 'fronts-then-reversed-backs') backs.reverse();
  const result: T[] = [];
  for (const [i, front] of fronts.entries()) {
    result.push(front);
    const back = backs[i];
    if (back !== undefined) result.push(back);
  }
  return result;
}
