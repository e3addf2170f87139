/**
 * What a button press does: a scan with the binding's profile (`action: scan`), nothing but the
 * press (`action: event`, or no binding); a press while the scanner is busy is queued or refused
 * (`button_busy`). Every press is published once, saying which of these happened, so none is lost silently.
 */
import type { ButtonOutcome, ButtonPress, GatewayApi } from '../core/gateway-api.js';
import { toErrorPayload } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ButtonBinding } from './button-config.js';
import type { TriggerReport } from './trigger-source.js';

/** What a press does while a job runs on its scanner (config `button_busy`). */
export type ButtonBusyPolicy = 'queue' | 'refuse';
/** Every button_busy value. */
export const BUTTON_BUSY_POLICIES: readonly ButtonBusyPolicy[] = ['queue', 'refuse'];

/** The part of the gateway a button press needs. */
export interface ButtonScanPort extends Pick<GatewayApi, 'submitScan'> {
  /** Publishes the press (MQTT `.../button`, the Home Assistant event entity). */
  reportButton(scannerId: string, press: ButtonPress): void;
  /** True while a job runs on the scanner. */
  scannerBusy(scannerId: string): boolean;
}

/** How presses are handled. */
export interface ButtonScanOptions {
  busy: ButtonBusyPolicy;
  logger: Logger;
}

/** The reason a busy scanner's press is refused under `button_busy: refuse`. */
export const BUSY_REFUSAL = 'scanner busy: a job is running (button_busy: refuse)';

/** The `onPress` of ButtonTriggers. */
export function scanOnButton(gateway: ButtonScanPort, options: ButtonScanOptions): (binding: ButtonBinding | undefined, press: TriggerReport) => void {
  const { logger } = options;
  /** Per scanner, button scans submitted but not yet queued: a press meanwhile finds the scanner busy. */
  const submitting = new Map<string, number>();
  const count = (scanner: string, by: number) => {
    const left = (submitting.get(scanner) ?? 0) + by;
    if (left > 0) submitting.set(scanner, left);
    else submitting.delete(scanner);
  };
  return (binding, press) => {
    // The press's scanner, not the binding's: a binding may be for every scanner (`*`).
    const report = (result: ButtonOutcome, extra: { job?: string; reason?: string } = {}) =>
      gateway.reportButton(press.scanner, { button: press.button, action: press.action, result, ...extra });
    if (!binding) return report('unbound');
    if (binding.action === 'event') return report('event');
    const busy = gateway.scannerBusy(press.scanner) || submitting.has(press.scanner);
    if (busy && options.busy === 'refuse') {
      logger.info({ scanner: press.scanner, button: press.button }, 'button press refused: scanner busy');
      return report('refused', { reason: BUSY_REFUSAL });
    }
    count(press.scanner, 1);
    gateway
      .submitScan(press.scanner, binding.profile ? { profile: binding.profile } : {}, 'button', press.deviceJob ? { deviceJob: press.deviceJob } : {})
      .finally(() => count(press.scanner, -1))
      .then((job) => report(busy ? 'queued' : 'started', { job: job.id }))
      .catch((error: unknown) => {
        logger.warn({ err: error, scanner: press.scanner, button: press.button }, 'button scan refused');
        const { code, message } = toErrorPayload(error);
        report('refused', { reason: `${code}: ${message}` });
      });
  };
}
