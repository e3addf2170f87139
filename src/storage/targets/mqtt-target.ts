/**
 * Publishes a small JPEG preview of each document (first page) for Home Assistant's MQTT image
 * entity, and the whole file when asked and small enough. Storage never imports src/mqtt: the
 * gateway injects `publish`.
 */
import { readFile } from 'node:fs/promises';
import { loadSharp } from '../../imaging/sharp-loader.js';
import type { StoredFile } from '../../core/job.js';
import type { Logger } from '../../core/logger.js';
import { DeliveryError } from '../delivery/delivery-error.js';
import type { DeliveryContext, OutputDocument, StorageTarget } from '../target.js';
import type { MqttTargetConfig } from './target-config.js';

/** Publishes one message; topics are relative to the gateway's base topic. */
export type PublishFn = (topic: string, payload: Buffer | string, opts?: { retain?: boolean; qos?: 0 | 1 | 2 }) => Promise<void>;

/** Longest edge of the preview by default: enough for a dashboard card. */
export const DEFAULT_PREVIEW_SIZE = 480;
/** Largest whole file published by default: brokers commonly cap messages near 256 MB, HA chokes far earlier. */
export const DEFAULT_MQTT_MAX_BYTES = 8 * 1024 * 1024;
/** Preview JPEG quality. */
const PREVIEW_QUALITY = 70;
/** Pixel limit when decoding a page for its preview (sharp's guard against decompression bombs). */
const PREVIEW_PIXEL_LIMIT = 20_000 * 20_000;

/** Options of the MQTT target. */
export interface MqttTargetOptions {
  publish: PublishFn;
  logger: Logger;
}

/** A JPEG thumbnail of the document's first page; undefined when sharp cannot read it (e.g. PDF without a PDF-capable libvips). */
export async function previewJpeg(doc: OutputDocument, size: number): Promise<Buffer | undefined> {
  try {
    const sharp = await loadSharp();
    return await sharp(doc.path, { limitInputPixels: PREVIEW_PIXEL_LIMIT, page: 0 })
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: PREVIEW_QUALITY })
      .toBuffer();
  } catch {
    return undefined;
  }
}

/** Creates an MQTT target. */
export function createMqttTarget(config: MqttTargetConfig, options: MqttTargetOptions): StorageTarget {
  const logger = options.logger.child({ component: 'mqtt-target', target: config.name });
  const maxBytes = config.max_bytes ?? DEFAULT_MQTT_MAX_BYTES;
  return {
    name: config.name,
    async deliver(doc: OutputDocument, ctx: DeliveryContext): Promise<StoredFile[]> {
      const topic = config.topic ?? `${ctx.scannerId}/document`;
      const preview = await previewJpeg(doc, config.preview_size ?? DEFAULT_PREVIEW_SIZE);
      if (preview !== undefined) await options.publish(`${topic}/preview`, preview, { retain: true, qos: 1 });
      const info = JSON.stringify({ job: ctx.jobId, scanner: ctx.scannerId, format: doc.format, pages: doc.pages, bytes: doc.bytes, created_at: ctx.createdAt.toISOString() });
      if (config.full_file === true) {
        if (doc.bytes > maxBytes) throw new DeliveryError(`document of ${doc.bytes} bytes exceeds the MQTT limit of ${maxBytes} bytes (targets.${config.name}.max_bytes)`, false);
        await options.publish(`${topic}/file`, await readFile(doc.path), { retain: false, qos: 1 });
      }
      await options.publish(`${topic}/info`, info, { retain: true, qos: 1 });
      logger.debug({ topic, preview: preview?.length }, 'document published');
      return [{ path: `mqtt:${topic}`, format: doc.format, bytes: doc.bytes, pages: doc.pages }];
    },
  };
}
