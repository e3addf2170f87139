/**
 * Announces a simulated scanner over mDNS as `_uscan._tcp` (or `_uscans._tcp`)
 * with the TXT keys real devices publish (PROTOCOLS.md A.1). Multicast leaves
 * the host's interfaces: run it only inside a network namespace a test made.
 */
import { Bonjour, type ServiceConfig } from 'bonjour-service';
import type { SimDeviceCaps } from './device-caps.js';

/** mDNS socket errors, kept for diagnosis instead of crashing the test process. */
export const announcementErrors: unknown[] = [];

/** TXT keys of an eSCL advertisement; values are strings as on the wire. */
export interface EsclTxt {
  txtvers?: string;
  vers?: string;
  ty?: string;
  rs?: string;
  UUID?: string;
  cs?: string;
  is?: string;
  pdl?: string;
  duplex?: string;
  representation?: string;
  adminurl?: string;
  [key: string]: string | undefined;
}

/** What to announce. */
export interface EsclAnnouncement {
  readonly name: string;
  readonly port: number;
  /** `_uscans._tcp` (HTTPS) instead of `_uscan._tcp`. */
  readonly secure?: boolean;
  readonly txt: EsclTxt;
  /** Host name in the SRV record (default: bonjour-service's, the machine name). */
  readonly host?: string;
  /** Interface address for multicast (default: all). */
  readonly interfaceAddress?: string;
}

/** A running announcement. */
export interface AnnouncementHandle {
  /** Sends goodbye packets (TTL 0) and closes the mDNS socket. */
  stop(): Promise<void>;
}

/** The first announcement goes out within a second; longer means multicast is not routed. */
export const ANNOUNCE_TIMEOUT_MS = 5_000;

/** TXT defaults that match the default AirSane fixture. */
export const DEFAULT_ESCL_TXT: Readonly<EsclTxt> = {
  txtvers: '1',
  vers: '2.0',
  rs: 'eSCL',
  cs: 'color,grayscale',
  is: 'platen,adf',
  pdl: 'application/pdf,image/jpeg,image/png',
  duplex: 'F',
};

/** The TXT hints (cs, is, pdl, duplex, ty, UUID) a device with these capabilities would advertise. */
export function esclTxtFor(caps: SimDeviceCaps): EsclTxt {
  const sources = Object.values(caps.sources);
  const modes = new Set(sources.flatMap((source) => source.colorModes));
  const colourSpaces = [
    [...modes].some((m) => m.startsWith('RGB')) ? 'color' : undefined,
    [...modes].some((m) => m.startsWith('Grayscale')) ? 'grayscale' : undefined,
    modes.has('BlackAndWhite1') ? 'binary' : undefined,
  ];
  const inputs = [caps.sources.platen ? 'platen' : undefined, caps.sources['adf-simplex'] || caps.sources['adf-duplex'] ? 'adf' : undefined, caps.sources.camera ? 'camera' : undefined];
  return {
    ty: caps.makeAndModel,
    UUID: caps.uuid,
    vers: caps.version,
    cs: colourSpaces.filter(Boolean).join(','),
    is: inputs.filter(Boolean).join(','),
    pdl: [...new Set(sources.flatMap((source) => source.formats))].join(','),
    duplex: caps.sources['adf-duplex'] ? 'T' : 'F',
  };
}

/** Publishes the service; resolves once it is announced. */
export async function announceEscl(announcement: EsclAnnouncement): Promise<AnnouncementHandle> {
  // bonjour-service hands these options to multicast-dns, whose `interface` its types do not declare.
  const socketOptions = (announcement.interfaceAddress ? { interface: announcement.interfaceAddress } : {}) as Partial<ServiceConfig>;
  const bonjour = new Bonjour(socketOptions, (error: unknown) => {
    announcementErrors.push(error);
  });
  const txt = Object.fromEntries(Object.entries({ ...DEFAULT_ESCL_TXT, ...announcement.txt }).filter(([, v]) => v !== undefined));
  const service = bonjour.publish({
    name: announcement.name,
    type: announcement.secure ? 'uscans' : 'uscan',
    protocol: 'tcp',
    port: announcement.port,
    txt,
    ...(announcement.host ? { host: announcement.host } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    if (service.published) return resolve();
    const timer = setTimeout(() => {
      bonjour.destroy();
      reject(new Error(`mDNS announcement of ${announcement.name} not sent within ${ANNOUNCE_TIMEOUT_MS} ms (no multicast route?)`));
    }, ANNOUNCE_TIMEOUT_MS);
    service.once('up', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        // unpublishAll sends the goodbyes; destroy closes the socket afterwards.
        bonjour.unpublishAll(() => bonjour.destroy(() => resolve()));
      }),
  };
}
