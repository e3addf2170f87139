/**
 * WS-Discovery on every interface, with the discovery code's own sockets and messages: one
 * Probe for any DPWS device (scanners, printers, wsdd computers all answer it), and the
 * ProbeMatches heard within the window, sorted to the interface whose subnet they came from.
 */
import type { Logger } from '../core/logger.js';
import { buildProbe, DEVICE_TYPE, mayBeScanner, newDiscoveryMessageId, parseDiscoveryMessage } from '../protocols/wsd/discovery/codec.js';
import { openUdpTransport } from '../protocols/wsd/discovery/udp-transport.js';
import { interfaceOf } from './address-interface.js';

/** What the Probe brought back, by interface name (`?` when no subnet matched). */
export interface WsdAnswers {
  /** Interface name → addresses of devices that answered. */
  responders: Map<string, string[]>;
  /** Interface name → endpoint addresses of answering devices that may be scanners. */
  scanners: Map<string, string[]>;
}

/** Sends one Probe on every interface and collects the matches heard within `listenMs`. */
export async function probeWsd(logger: Logger, listenMs: number): Promise<WsdAnswers> {
  const answers: WsdAnswers = { responders: new Map(), scanners: new Map() };
  // listenPort 0: the doctor must not take 3702 from a running gateway; ProbeMatches come back unicast anyway.
  const transport = await openUdpTransport({ logger, listenPort: 0 });
  const messageId = newDiscoveryMessageId();
  const add = (map: Map<string, string[]>, key: string, value: string) => {
    const list = map.get(key) ?? [];
    if (!list.includes(value)) list.push(value);
    map.set(key, list);
  };
  try {
    transport.onMessage((xml, from) => {
      let message;
      try {
        message = parseDiscoveryMessage(xml);
      } catch {
        return; // a malformed datagram is someone else's noise
      }
      if (message.kind !== 'probe-matches' || message.relatesTo !== messageId) return;
      const iface = interfaceOf(from.address);
      add(answers.responders, iface, from.address.replace(/%.*$/, ''));
      for (const endpoint of message.endpoints) if (mayBeScanner(endpoint)) add(answers.scanners, iface, endpoint.address);
    });
    await transport.send(buildProbe([DEVICE_TYPE], messageId));
    await new Promise((resolve) => setTimeout(resolve, listenMs));
  } finally {
    await transport.close();
  }
  return answers;
}
