/**
 * What a device tells the gateway without being asked: a press of its own button, a change of
 * its status, a job that ended on the device. A driver that can push these says so in its
 * capabilities (`events`), so publishers know without knowing the protocol.
 */
import type { ScannerStatus } from './status.js';

/** Kinds of event a device can push; the values of the capabilities' `events`. */
export type DeviceEventKind = 'button' | 'status' | 'job_ended';
/** Every device event kind. */
export const DEVICE_EVENT_KINDS: readonly DeviceEventKind[] = ['button', 'status', 'job_ended'];

/**
 * What a device handed over with a press so that the scan it asks for can run (a WSD panel's
 * ScanIdentifier and DestinationToken): opaque outside the protocol that made it, passed back to
 * that driver's `scan()`. Never taken from MQTT or any other client.
 */
export type DeviceJob = Readonly<Record<string, string>>;

/**
 * The DeviceJob field naming the protocol whose driver produced it: a driver that speaks for a
 * device through several protocols hands the scan to that one (src/protocols/composite-driver.ts).
 */
export const DEVICE_JOB_PROTOCOL_FIELD = 'protocol';

/** A button on the device was used; `action` is what happened to it (`press` today). */
export interface ButtonEvent {
  kind: 'button';
  /** As listed in the capabilities' `buttons` when the device lists them. */
  button: string;
  action: string;
  /** The device's side of the scan the press asks for, when it has one (WSD panel). */
  deviceJob?: DeviceJob;
}

/** The device's status changed. */
export interface StatusEvent {
  kind: 'status';
  status: ScannerStatus;
}

/** A job ended on the device (finished, aborted there, or cancelled at its panel). */
export interface JobEndedEvent {
  kind: 'job_ended';
  /** The device's own id of the job, when it tells one. */
  deviceJobId?: string;
  outcome: 'completed' | 'aborted' | 'cancelled';
}

/** Something a device pushed. */
export type DeviceEvent = ButtonEvent | StatusEvent | JobEndedEvent;

/** The scanner id that stands for every scanner (a `buttons` binding of `*`, a watch of all). */
export const EVERY_SCANNER = '*';

/** How a subscriber asks for a device's events. */
export interface DeviceEventOptions {
  /** For devices that can only be polled for them (SANE sensors): how often to read. */
  pollIntervalMs: number;
  /** Names of the buttons someone listens for; a device that lists destinations on its panel (WSD) is given these. */
  buttons?: readonly string[];
  /** The gateway's instance name: what a device registers must not collide with another gateway's on the network. */
  instance?: string;
}
