/** What a bound button press does: the press is published (HA event, MQTT topic) and a scan starts with the binding's profile. */
import type { GatewayApi } from '../core/gateway-api.js';
import type { Logger } from '../core/logger.js';
import type { ButtonBinding } from './button-config.js';
import type { TriggerReport } from './trigger-source.js';

/** The part of the gateway a button press needs. */
export interface ButtonScanPort extends Pick<GatewayApi, 'submitScan'> {
  /** Publishes the press. */
  reportButton(scannerId: string, button: string, action: string): void;
}

/** The `onPress` of ButtonTriggers: publishes the press, then queues the scan (a refusal is logged: nobody waits for an answer). */
export function scanOnButton(gateway: ButtonScanPort, logger: Logger): (binding: ButtonBinding, press: TriggerReport) => void {
  return (binding, press) => {
    // The press's scanner, not the binding's: a binding may be for every scanner (`*`).
    gateway.reportButton(press.scanner, binding.button, press.action);
    gateway
      .submitScan(press.scanner, binding.profile ? { profile: binding.profile } : {}, 'button', press.deviceJob ? { deviceJob: press.deviceJob } : {})
      .catch((error: unknown) => logger.warn({ err: error, scanner: press.scanner, button: binding.button }, 'button scan refused'));
  };
}
