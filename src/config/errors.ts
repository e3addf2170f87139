/** The error a bad configuration stops the start with. */
import { ScanError } from '../core/errors.js';

/**
 * A configuration problem. `keys` names every offending key (`mqtt.base_topic`,
 * `devices[1].url`, `SCAN2MQTT_MQTT_PROT`) so main.ts can print it and exit.
 */
export class ConfigError extends ScanError {
  /** The config keys, env variables or arguments the message is about. */
  readonly keys: readonly string[];

  constructor(message: string, keys: readonly string[] = [], options?: { cause?: unknown }) {
    super('InvalidRequest', message, options);
    this.name = 'ConfigError';
    this.keys = keys;
  }
}
