/**
 * The seam between mDNS browsing (src/discovery/mdns) and the protocols: a protocol names
 * the DNS-SD service types it answers to and says what a resolved service of that type
 * means; the browser knows sockets and links, not protocols.
 */
import type { DeviceFinding } from './device.js';

/** What a TXT record may arrive as: raw DNS strings, or a decoded key/value object. */
export type TxtInput =
  | readonly (Buffer | Uint8Array | string)[]
  | Buffer
  | Readonly<Record<string, unknown>>
  | null
  | undefined;

/** The parts of a resolved DNS-SD service a protocol reads (bonjour-service's Service fits). */
export interface ResolvedService {
  /** Service instance name, e.g. `Brother DCP-L2530DW series`. */
  name: string;
  type: string;
  port: number;
  /** Full instance name (`name._type._tcp.local`); tells two instances of one name apart. */
  fqdn?: string;
  /** SRV target host name: the device's identity across its sightings; dialled only when the answer carried no address records. */
  host?: string;
  addresses?: readonly string[];
  /** Raw TXT strings; preferred over `txt`, which bonjour-service decodes lossily. */
  rawTxt?: TxtInput;
  txt?: TxtInput;
  /** Where the mDNS answer came from: a last-resort address. */
  referer?: { address: string };
}

/** Where an answer was heard, for addresses that need it. */
export interface ServiceContext {
  /** The zone (interface index) for link-local IPv6 addresses in the answer, when known. */
  linkLocalZone?: string;
}

/** One DNS-SD service type a protocol answers to. */
export interface MdnsServiceType {
  /** The type as bonjour-service names it, without `_` and `._tcp` (`uscan`). */
  type: string;
  /**
   * A service of this type announces one device: its finding (throws when the service is
   * unusable). The browser reports it, and withdraws its endpoints on goodbye.
   */
  toFinding?(service: ResolvedService, context: ServiceContext): DeviceFinding;
  /** Otherwise the protocol follows services of this type itself (a saned host whose devices it lists). */
  watch?: {
    /** A service appeared or changed. */
    up(service: ResolvedService): void;
    /** A service said goodbye. */
    down(service: ResolvedService): void;
  };
}
