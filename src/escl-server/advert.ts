/**
 * The seam between the eSCL server (which shares scanners over HTTP) and DNS-SD advertising
 * (`_uscan._tcp`, `_uscans._tcp`): the server says what it shares and where; the advertiser
 * knows multicast, links and the TXT keys clients read (PROTOCOLS.md A.1, E).
 */

/** One shared scanner as it should appear on the network. */
export interface EsclAdvert {
  /** The gateway's scanner id; the key for withdraw(). */
  scannerId: string;
  /** Instance name shown by clients (made unique per host by the advertiser if needed). */
  name: string;
  /** Stable UUID of the shared scanner (TXT `UUID`), without braces. */
  uuid: string;
  /** The shared scanner's own TCP port; its eSCL root is `/eSCL` (TXT `rs=eSCL`). */
  port: number;
  /** True: the port speaks TLS and plain HTTP, advertised as both `_uscans._tcp` and `_uscan._tcp`; false: `_uscan._tcp` only. */
  secure: boolean;
  /** TXT `ty`: make and model. */
  makeAndModel: string;
  /** TXT `pdl`: MIME types served, e.g. `application/pdf`, `image/jpeg`, `image/png`. */
  documentFormats: readonly string[];
  /** TXT `cs`: `color`, `grayscale`, `binary`. */
  colorSpaces: readonly string[];
  /** TXT `is`: `platen`, `adf`. */
  inputSources: readonly string[];
  /** TXT `duplex`. */
  duplex: boolean;
  /** TXT `adminurl`: the admin page, a path (`/`) the advertiser turns into a URL on each address, or a full URL. */
  adminPath: string;
  /** TXT `representation`: the icon path or URL. */
  iconPath: string;
  /** TXT `note`: where the scanner is (e.g. the gateway host's name). */
  note?: string;
}

/** Publishes and withdraws adverts; one advert per shared scanner. */
export interface EsclAdvertiser {
  /** Announces (or re-announces with changes) one shared scanner on every link. */
  publish(advert: EsclAdvert): void;
  /** Sends goodbyes for one shared scanner (offline, unshared). */
  withdraw(scannerId: string): void;
  /** Opens the links and announces what was published so far (optional: a recorder needs none). */
  start?(): void;
  /** Goodbyes for all, sockets closed. */
  stop(): Promise<void>;
}
