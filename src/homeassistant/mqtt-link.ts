/**
 * The slice of the MQTT connection the Home Assistant layer needs, declared here so this
 * folder depends on `core/` only; `src/mqtt/connection.ts` satisfies it structurally.
 */

/** Options for one publish. */
export interface MqttPublishOptions {
  retain?: boolean;
  qos?: 0 | 1;
}

/** A live MQTT connection as the publisher uses it. */
export interface MqttLink {
  publish(topic: string, payload: string | Buffer | object, opts?: MqttPublishOptions): Promise<void>;
  subscribe(filter: string, handler: (topic: string, payload: Buffer) => void): Promise<void>;
  onConnect(cb: (isReconnect: boolean) => void): void;
  /** False while the broker is unreachable; publishing then waits for the next connect. */
  readonly connected?: boolean;
}
