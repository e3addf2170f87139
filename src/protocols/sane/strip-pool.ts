/**
 * Strip buffers kept from one page to the next. V8 counts every buffer's bytes as external
 * memory and starts a full garbage collection of the daemon's heap each time some 64 MB
 * more were allocated: fresh strips for every 600 dpi page meant two or three of them per
 * page. Pages of an ADF batch, and scans a few seconds apart, reuse the same few buffers;
 * after a quiet while they are let go, so an idle gateway holds none.
 */

/** Buffers kept at most (the strips in flight and the one filling). */
const MAX_KEPT = 4;
/** Kept buffers are released after this long unused. */
export const STRIP_POOL_IDLE_MS = 10_000;

/** Buffers of one size, reused while strips of that size are asked for. */
export class StripPool {
  private size = 0;
  private kept: Buffer[] = [];
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly idleMs = STRIP_POOL_IDLE_MS) {}

  /** A buffer of `size` bytes (contents undefined). */
  take(size: number): Buffer {
    this.touch();
    if (size !== this.size) this.reset(size);
    return this.kept.pop() ?? Buffer.allocUnsafeSlow(size);
  }

  /** Gives a buffer back once nothing reads it any more. */
  give(buffer: Buffer): void {
    this.touch();
    if (buffer.length === this.size && this.kept.length < MAX_KEPT) this.kept.push(buffer);
  }

  /** Buffers held now, for tests. */
  get held(): number {
    return this.kept.length;
  }

  private reset(size: number): void {
    this.size = size;
    this.kept = [];
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.reset(0), this.idleMs);
    this.idleTimer.unref();
  }
}

/** The process's pool: one scan encodes at a time per scanner, and pages of equal shape share sizes. */
export const stripPool = new StripPool();
