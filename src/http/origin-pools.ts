/** One undici connection pool per device origin, made on first use, with the device's timeouts. */
import type { buildConnector, Pool } from 'undici';
import { undiciModule } from './undici-module.js';
import { socketZone } from './zoned-url.js';

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

  /**
   * The pool for `target`'s origin; `relaxTls` (fixed when the pool is made) accepts a self-signed certificate;
   * `zone` is the IPv6 zone of a link-local origin (src/http/zoned-url.ts), given to the socket only.
   */
  get(target: URL, relaxTls: boolean, zone?: string): Pool {
    const key = zone === undefined ? target.origin : `${target.origin}%${zone}`;
    let pool = this.pools.get(key);
    if (!pool) {
      const { connections, connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs } = this.options;
      const tls = relaxTls ? { rejectUnauthorized: false } : {};
      pool = new (undiciModule().Pool)(target.origin, {
        connections,
        connect: zone === undefined ? { timeout: connectTimeoutMs, ...tls } : zonedConnector(zone, { timeout: connectTimeoutMs, ...tls }),
        headersTimeout: headersTimeoutMs,
        bodyTimeout: bodyTimeoutMs,
      });
      this.pools.set(key, pool);
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

/** undici's own connector, dialling `host%zone` while the Host header keeps the bare address. */
function zonedConnector(zone: string, options: buildConnector.BuildOptions): buildConnector.connector {
  const connect = undiciModule().buildConnector(options);
  return (opts, callback) => connect({ ...opts, hostname: `${opts.hostname}%${socketZone(zone)}` }, callback);
}
