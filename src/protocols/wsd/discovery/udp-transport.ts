/**
 * SOAP-over-UDP sockets for WS-Discovery (PROTOCOLS.md B.2): a socket on UDP 3702 joined to
 * 239.255.255.250 and FF02::C on every interface that takes the membership (Hello and Bye
 * arrive there), and ephemeral sockets that send Probe/Resolve and receive the unicast replies.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import type { Logger } from '../../../core/logger.js';
import { MAX_DATAGRAM_BYTES } from './codec.js';

/** The WS-Discovery port. */
export const WSD_PORT = 3702;
/** The IPv4 WS-Discovery group. */
export const WSD_GROUP_V4 = '239.255.255.250';
/** The IPv6 (link-local) WS-Discovery group. */
export const WSD_GROUP_V6 = 'ff02::c';

/** Where a datagram came from. */
export interface DatagramOrigin {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

/** What the discovery source needs from its sockets. */
export interface WsdTransport {
  /** Sends a message to the groups on every interface (or the configured unicast targets). */
  send(xml: string): Promise<void>;
  onMessage(handler: (xml: string, from: DatagramOrigin) => void): void;
  close(): Promise<void>;
}

/** How the sockets are set up; the defaults are the real thing. */
export interface UdpTransportOptions {
  logger: Logger;
  /** Listen for Hello/Bye on this port (default 3702; 0 = any, for tests). */
  listenPort?: number;
  /** Join the groups (default true). */
  multicast?: boolean;
  /** Address the listening socket binds (default all). */
  listenAddress?: string;
  /** Send to these instead of the groups (unicast tests; Samsung M288x answers unicast only). */
  targets?: readonly { address: string; port: number }[];
}

/** A transport and the ports it listens on, for tests. */
export interface UdpTransport extends WsdTransport {
  listenPort(): number | undefined;
}

/** Opens the sockets. Failing to bind 3702 (in use, no permission) leaves probing working. */
export async function openUdpTransport(options: UdpTransportOptions): Promise<UdpTransport> {
  const { logger } = options;
  const multicast = options.multicast ?? true;
  const handlers: ((xml: string, from: DatagramOrigin) => void)[] = [];
  const sockets: Socket[] = [];
  const deliver = (msg: Buffer, rinfo: RemoteInfo) => {
    if (msg.length > MAX_DATAGRAM_BYTES) return;
    const from: DatagramOrigin = { address: rinfo.address, port: rinfo.port, family: rinfo.family === 'IPv6' ? 'IPv6' : 'IPv4' };
    for (const handler of handlers) handler(msg.toString('utf8'), from);
  };
  const open = async (type: 'udp4' | 'udp6', port: number, address?: string): Promise<Socket | undefined> => {
    const socket = createSocket({ type, reuseAddr: true, ...(type === 'udp6' ? { ipv6Only: true } : {}) });
    socket.on('message', deliver);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ port, ...(address ? { address } : {}) }, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      logger.warn({ err: error, type, port }, 'WS-Discovery: cannot open a socket');
      socket.close();
      return undefined;
    }
    socket.on('error', (error) => logger.warn({ err: error }, 'WS-Discovery socket error'));
    sockets.push(socket);
    return socket;
  };

  const listenV4 = await open('udp4', options.listenPort ?? WSD_PORT, options.listenAddress);
  const listenV6 = multicast ? await open('udp6', options.listenPort ?? WSD_PORT) : undefined;
  if (multicast) joinGroups(listenV4, listenV6, logger);
  const sendV4 = await open('udp4', 0);
  const sendV6 = multicast ? await open('udp6', 0) : undefined;

  const send = async (xml: string): Promise<void> => {
    const data = Buffer.from(xml, 'utf8');
    const jobs: Promise<void>[] = [];
    if (options.targets) {
      for (const t of options.targets) if (sendV4) jobs.push(sendTo(sendV4, data, t.port, t.address, logger));
    } else {
      // One interface at a time: the multicast interface is a socket option, read when the datagram
      // leaves (after send's asynchronous lookup), so sends in parallel would all leave by the last one set.
      for (const iface of multicastInterfaces()) {
        const socket = iface.family === 'IPv4' ? sendV4 : sendV6;
        if (!socket) continue;
        try {
          socket.setMulticastInterface(iface.family === 'IPv4' ? iface.address : `::%${iface.name}`);
        } catch (error) {
          logger.debug({ err: error, iface: iface.name }, 'WS-Discovery: cannot send on this interface');
          continue;
        }
        await sendTo(socket, data, WSD_PORT, iface.family === 'IPv4' ? WSD_GROUP_V4 : `${WSD_GROUP_V6}%${iface.name}`, logger);
      }
    }
    await Promise.all(jobs);
  };

  return {
    send,
    onMessage: (handler) => void handlers.push(handler),
    listenPort: () => {
      try {
        return listenV4?.address().port;
      } catch {
        return undefined;
      }
    },
    close: async () => {
      await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

interface McInterface {
  name: string;
  family: 'IPv4' | 'IPv6';
  address: string;
}

/** Every interface address a membership can be tried on (one IPv4 and one IPv6 per interface). */
function multicastInterfaces(): McInterface[] {
  const out: McInterface[] = [];
  for (const [name, infos] of Object.entries(networkInterfaces())) {
    const v4 = infos?.find((i) => i.family === 'IPv4');
    const v6 = infos?.find((i) => i.family === 'IPv6' && (i.scopeid ?? 0) > 0);
    if (v4) out.push({ name, family: 'IPv4', address: v4.address });
    if (v6) out.push({ name, family: 'IPv6', address: v6.address });
  }
  return out;
}

function joinGroups(v4: Socket | undefined, v6: Socket | undefined, logger: Logger): void {
  for (const iface of multicastInterfaces()) {
    try {
      if (iface.family === 'IPv4') v4?.addMembership(WSD_GROUP_V4, iface.address);
      else v6?.addMembership(WSD_GROUP_V6, `::%${iface.name}`);
    } catch (error) {
      // Interfaces without multicast refuse the membership; the others still work.
      logger.debug({ err: error, iface: iface.name, family: iface.family }, 'WS-Discovery: no multicast on this interface');
    }
  }
}

function sendTo(socket: Socket, data: Buffer, port: number, address: string, logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    socket.send(data, port, address, (error) => {
      if (error) logger.debug({ err: error, address }, 'WS-Discovery: send failed');
      resolve();
    });
  });
}
