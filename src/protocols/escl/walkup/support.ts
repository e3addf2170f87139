/**
 * Whether an eSCL device offers HP walk-up Scan to Computer, and where: HP serves the LEDM
 * resources on its web port (80) while eSCL may sit on 8080, so the eSCL origin is asked first
 * and the host's port 80 second. Only devices whose make says HP are asked at all.
 */
import type { Logger } from '../../../core/logger.js';
import type { EsclHttp } from '../http.js';
import { parseZonedUrl, zonedOriginUrl } from '../../../http/zoned-url.js';
import { WalkupClient } from './client.js';
import type { WalkupCaps } from './events.js';

/** A device's walk-up entry point, once found. */
export interface WalkupSupport {
  client: WalkupClient;
  caps: WalkupCaps;
}

/** True for makes and models HP sells walk-up devices under (HP's own MakeAndModel often omits "HP": "OfficeJet Pro 6978 All-in-One"). */
export function isHpDevice(makeAndModel: string): boolean {
  return /\b(hp|hewlett[- ]packard|officejet|deskjet|laserjet|envy|photosmart|pagewide|scanjet|smart ?tank|neverstop)\b/i.test(makeAndModel);
}

/** The origins to ask, in order: the eSCL one, then port 80 of the same host when that differs. */
export function walkupOrigins(esclBaseUrl: string): string[] {
  const { url: base, zone } = parseZonedUrl(esclBaseUrl);
  const origins = [zonedOriginUrl(base, zone)];
  const web = new URL(`http://${base.host}/`);
  web.port = '';
  if (web.origin !== base.origin) origins.push(zonedOriginUrl(web, zone));
  return origins;
}

/** Finds the first origin whose WalkupScanToCompCaps answers; undefined when none does. */
export async function findWalkup(https: readonly EsclHttp[], logger: Logger, signal?: AbortSignal): Promise<WalkupSupport | undefined> {
  for (const http of https) {
    try {
      const client = new WalkupClient(http);
      const caps = await client.caps(signal);
      if (caps) return { client, caps };
    } catch (error) {
      if (signal?.aborted) throw error;
      logger.debug({ err: error }, 'HP walk-up: capabilities probe failed');
    }
  }
  return undefined;
}
