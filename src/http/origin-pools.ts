/** One undici connection pool per device origin, made on first use, with the device's timeouts. */
import { Pool } from 'undici';

/** Sizes and timeouts of every pool. */
export interface OriginPoolOptions {
  connections: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

/** The pools of one device (redirects and https upgrades may add origins). */
export class OriginPools {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: OriginPoolOptions) {}

  /** The pool for `target`'s origin; `relaxTls` (fixed when the pool is made) accepts a self-signed certificate. */
  get(target: URL, relaxTls: boolean): Pool {
    let pool = this.pools.get(target.origin);
    if (!pool) {
      const { connections, connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs } = this.options;
      pool = new Pool(target.origin, {
        connections,
        connect: { timeout: connectTimeoutMs, ...(relaxTls ? { rejectUnauthorized: false } : {}) },
        headersTimeout: headersTimeoutMs,
        bodyTimeout: bodyTimeoutMs,
      });
      this.pools.set(target.origin, pool);
    }
    return pool;
  }

  /** Releases every socket; failures on the way out do not matter. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => {})));
  }
}
