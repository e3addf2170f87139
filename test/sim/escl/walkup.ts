/**
 * HP walk-up "Scan to Computer" on the simulator, after the LEDM resources real devices serve
 * (node-hp-scan-to's captures, scantopc): WalkupScanToCompCaps; destinations that clients
 * POST (201 + absolute Location), GET and DELETE; the event table, long-polled with an etag
 * (`If-None-Match`, `?timeout=` in deciseconds, 304 when nothing changed); and the dialogue
 * state WalkupScanToCompEvent, HostSelected on the first read after a press and ScanRequested
 * after it. `press()` is a user at the panel; `restart()` a power cycle that forgets destinations.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendEmpty, sendXml } from './http-util.js';

const WUS = 'http://www.hp.com/schemas/imaging/con/ledm/walkupscan/2010/09/28';
const DD = 'http://www.hp.com/schemas/imaging/con/dictionaries/1.0/';
const DD3 = 'http://www.hp.com/schemas/imaging/con/dictionaries/2009/04/06';
const EV = 'http://www.hp.com/schemas/imaging/con/ledm/events/2007/09/16';
const SCANTYPE = 'http://www.hp.com/schemas/imaging/con/ledm/scantype/2008/03/17';
const DESTINATIONS = '/WalkupScanToComp/WalkupScanToCompDestinations';
/** Destinations the simulated device keeps (the captured caps say 15). */
export const SIM_MAX_DESTINATIONS = 15;
/** Longest long-poll the simulator honours, in deciseconds (HP software asks for 1200). */
const MAX_WAIT_DECISECONDS = 1200;

/** What the user picked on the panel. Feeder or platen follows the paper: load the ADF for a feeder scan. */
export interface PanelChoices {
  duplex?: boolean;
  /** SavePDF (default), SaveJPEG, SaveDocument1, SavePhoto1, … */
  shortcut?: string;
}

/** A destination as the simulated device holds it. */
export interface SimDestination {
  readonly id: string;
  readonly name: string;
  readonly hostname: string;
  choices?: PanelChoices;
}

/** The walk-up state of one simulated device. */
export class WalkupDevice {
  readonly destinations = new Map<string, SimDestination>();
  /** Presses so far, in order, with the destination pressed. */
  readonly presses: { destination: SimDestination; choices: PanelChoices }[] = [];
  private boot = 1;
  private sequence = 0;
  private scanEvent: { stamp: string; destinationId: string } | undefined;
  private compState: 'HostSelected' | 'ScanRequested' | 'ScanPagesComplete' = 'ScanPagesComplete';
  private waiters = new Set<() => void>();
  /** Called when a client registered a destination, before the device answers: a user at the panel the moment it appears. */
  onRegistered: ((destination: SimDestination) => void) | undefined;

  constructor(private readonly origin: () => string) {}

  /** The current etag: it changes with every change of the table, and after a restart. */
  get etag(): string {
    return `"${this.boot}-${this.sequence}"`;
  }

  /** A user picks `name` on the panel with `choices`; false when the device has no such destination. */
  press(name: string, choices: PanelChoices = {}): boolean {
    const destination = [...this.destinations.values()].find((d) => d.name === name);
    if (!destination) return false;
    destination.choices = { ...choices };
    this.presses.push({ destination, choices: { ...choices } });
    this.compState = 'HostSelected';
    this.sequence += 1;
    this.scanEvent = { stamp: `${this.boot}-${this.sequence}`, destinationId: destination.id };
    this.changed();
    return true;
  }

  /** A power cycle: destinations and events are gone, the etag starts again. */
  restart(): void {
    this.destinations.clear();
    this.scanEvent = undefined;
    this.compState = 'ScanPagesComplete';
    this.boot += 1;
    this.sequence = 0;
    this.changed();
  }

  /** Stops every long-poll at once (simulator stop). */
  close(): void {
    this.changed();
  }

  /** Answers a walk-up request; false when the path is not a walk-up resource. */
  handle(req: IncomingMessage, res: ServerResponse, body: string, path: string, query: URLSearchParams): boolean {
    const method = req.method ?? '';
    if (path === '/WalkupScanToComp/WalkupScanToCompCaps') return this.get(res, method, capsXml);
    if (path === '/WalkupScanToComp/WalkupScanToCompEvent') {
      const state = this.compState;
      // The start button is pressed right after the computer was picked: the next read says so.
      if (method === 'GET' && state === 'HostSelected') this.compState = 'ScanRequested';
      return this.get(res, method, () => compEventXml(state));
    }
    if (path === '/EventMgmt/EventTable') {
      if (method !== 'GET') return done(sendEmpty(res, 405));
      void this.eventTable(req, res, query);
      return true;
    }
    if (path === DESTINATIONS) {
      if (method === 'GET') return this.get(res, method, () => listXml([...this.destinations.values()], this.origin()));
      if (method === 'POST') return done(this.register(req, res, body));
      return done(sendEmpty(res, 405));
    }
    const one = new RegExp(`^${DESTINATIONS}/([0-9a-f-]{36})$`).exec(path);
    if (!one?.[1]) return path.startsWith('/WalkupScanToComp/') || path.startsWith('/EventMgmt/') ? done(sendEmpty(res, 404)) : false;
    const destination = this.destinations.get(one[1]);
    if (!destination) return done(sendEmpty(res, 404));
    if (method === 'GET') return this.get(res, method, () => destinationXml(destination, this.origin(), true));
    if (method === 'DELETE') {
      this.destinations.delete(destination.id);
      return done(sendEmpty(res, 204));
    }
    return done(sendEmpty(res, 405));
  }

  private get(res: ServerResponse, method: string, xml: () => string): boolean {
    if (method !== 'GET') sendEmpty(res, 405);
    else sendXml(res, xml());
    return true;
  }

  private register(req: IncomingMessage, res: ServerResponse, body: string): void {
    const name = textOf(body, 'Name');
    const hostname = textOf(body, 'Hostname');
    const linkType = textOf(body, 'LinkType');
    if (!name || !hostname || linkType !== 'Network' || !/<(\w+:)?WalkupScanToCompDestination[\s>]/.test(body)) return sendEmpty(res, 400);
    if (this.destinations.size >= SIM_MAX_DESTINATIONS) return sendEmpty(res, 507);
    const id = randomUUID();
    const destination = { id, name, hostname };
    this.destinations.set(id, destination);
    this.onRegistered?.(destination);
    // Devices answer with an absolute URL on their own address.
    sendEmpty(res, 201, { Location: `${this.origin()}${DESTINATIONS}/${id}` });
    void req;
  }

  private async eventTable(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const known = req.headers['if-none-match'];
    const deciseconds = Math.min(MAX_WAIT_DECISECONDS, Number.parseInt(query.get('timeout') ?? '0', 10) || 0);
    if (known === this.etag && deciseconds > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, deciseconds * 100);
        const closed = () => finish();
        function finish() {
          clearTimeout(timer);
          res.off('close', closed);
          resolve();
        }
        this.waiters.add(finish);
        res.once('close', closed);
      });
    }
    if (res.destroyed) return;
    if (known === this.etag) return sendEmpty(res, 304, { ETag: this.etag });
    const xml = eventTableXml(this.scanEvent, this.boot);
    const bytes = Buffer.from(xml, 'utf8');
    res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': String(bytes.length), ETag: this.etag });
    res.end(bytes);
  }

  private changed(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}

function done(_: void): boolean {
  return true;
}

function textOf(xml: string, local: string): string | undefined {
  const match = new RegExp(`<(?:\\w+:)?${local}(?:\\s[^>]*)?>([^<]*)</(?:\\w+:)?${local}>`).exec(xml);
  return match?.[1]?.trim() || undefined;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function capsXml(): string {
  return `<?xml version="1.0" encoding="UTF-8"?><wus:WalkupScanToCompCaps xmlns:wus="${WUS}" xmlns:dd="${DD}"><wus:MaxNetworkDestinations>${SIM_MAX_DESTINATIONS}</wus:MaxNetworkDestinations><wus:SupportsMultiItemScanFromPlaten>true</wus:SupportsMultiItemScanFromPlaten><wus:ShortcutSupport access="readOnly"><wus:Shortcut>SavePDF</wus:Shortcut><wus:Shortcut>SaveJPEG</wus:Shortcut></wus:ShortcutSupport></wus:WalkupScanToCompCaps>`;
}

function compEventXml(state: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><wus:WalkupScanToCompEvent xmlns:wus="${WUS}"><wus:WalkupScanToCompEventType>${state}</wus:WalkupScanToCompEventType></wus:WalkupScanToCompEvent>`;
}

function destinationBody(d: SimDestination, origin: string, withSettings: boolean): string {
  const settings =
    withSettings && d.choices
      ? `<wus:WalkupScanToCompSettings><scantype:ScanSettings><dd:ScanPlexMode>${d.choices.duplex ? 'Duplex' : 'Simplex'}</dd:ScanPlexMode></scantype:ScanSettings><wus:Shortcut>${escape(d.choices.shortcut ?? 'SavePDF')}</wus:Shortcut></wus:WalkupScanToCompSettings>`
      : '';
  return `<dd:ResourceURI>${origin}${DESTINATIONS}/${d.id}</dd:ResourceURI><dd:Name>${escape(d.name)}</dd:Name><dd3:Hostname>${escape(d.hostname)}</dd3:Hostname><wus:LinkType>Network</wus:LinkType>${settings}`;
}

const NAMESPACES = `xmlns:wus="${WUS}" xmlns:dd="${DD}" xmlns:dd3="${DD3}" xmlns:scantype="${SCANTYPE}"`;

function destinationXml(d: SimDestination, origin: string, withSettings: boolean): string {
  return `<?xml version="1.0" encoding="UTF-8"?><wus:WalkupScanToCompDestination ${NAMESPACES}>${destinationBody(d, origin, withSettings)}</wus:WalkupScanToCompDestination>`;
}

function listXml(list: SimDestination[], origin: string): string {
  const entries = list.map((d) => `<wus:WalkupScanToCompDestination>${destinationBody(d, origin, false)}</wus:WalkupScanToCompDestination>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><wus:WalkupScanToCompDestinations ${NAMESPACES}>${entries}</wus:WalkupScanToCompDestinations>`;
}

function eventTableXml(scanEvent: { stamp: string; destinationId: string } | undefined, boot: number): string {
  // Other categories are always present on real devices; a client must skip them.
  const events = [`<ev:Event><dd:UnqualifiedEventCategory>DeviceCapabilitiesChanged</dd:UnqualifiedEventCategory><dd:AgingStamp>${boot}-0</dd:AgingStamp></ev:Event>`];
  if (scanEvent) {
    events.push(
      `<ev:Event><dd:UnqualifiedEventCategory>ScanEvent</dd:UnqualifiedEventCategory><dd:AgingStamp>${scanEvent.stamp}</dd:AgingStamp>` +
        `<ev:Payload><dd:ResourceURI>${DESTINATIONS}/${scanEvent.destinationId}</dd:ResourceURI><dd:ResourceType>wus:WalkupScanToCompDestination</dd:ResourceType></ev:Payload>` +
        `<ev:Payload><dd:ResourceURI>/WalkupScanToComp/WalkupScanToCompEvent</dd:ResourceURI><dd:ResourceType>wus:WalkupScanToCompEvent</dd:ResourceType></ev:Payload></ev:Event>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?><ev:EventTable xmlns:ev="${EV}" xmlns:dd="${DD}">${events.join('')}</ev:EventTable>`;
}
