/**
 * The preview policy: every job that ends done gets a small JPEG of its last page, published
 * as the scanner's preview. The preview topic is always kept (src/mqtt/scanner-data.ts), and a
 * 480 px thumbnail is cheap to make.
 */
import type { Component } from '../core/component.js';
import type { GatewayApi } from '../core/gateway-api.js';
import type { JobEvent } from '../core/job.js';
import type { Logger } from '../core/logger.js';
import { makePreview } from './preview.js';

/** The part of the gateway previews need. */
export interface JobPreviewsPort extends Pick<GatewayApi, 'on' | 'off'> {
  /** Publishes the preview image. */
  reportPreview(scannerId: string, jpeg: Buffer): void;
}

/** Makes previews of done jobs from start() until stop(). */
export function createJobPreviews(gateway: JobPreviewsPort, logger: Logger, make: typeof makePreview = makePreview): Component {
  const onJob = (scannerId: string, event: JobEvent) => {
    if (event.state !== 'done') return;
    make(event.stored ?? [])
      .then((jpeg) => jpeg && gateway.reportPreview(scannerId, jpeg))
      .catch((error: unknown) => logger.debug({ err: error, scanner: scannerId }, 'no preview for this job'));
  };
  return {
    name: 'previews',
    start: () => gateway.on('job', onJob),
    stop: () => gateway.off('job', onJob),
  };
}
