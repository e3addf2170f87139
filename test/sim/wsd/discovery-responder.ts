/**
 * The WS-Discovery side of a simulated WSD device: answers Probe (when its types match) and
 * Resolve (for its address) with unicast ProbeMatches / ResolveMatches, and sends Hello and
 * Bye, each datagram twice with the same MessageID as SOAP-over-UDP repeats it. Listens on a
 * given socket address (loopback unicast) or joins 239.255.255.250:3702 (inside a test netns).
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { nsChild, nsText, parseNsXml, resolveQNames } from '../../../src/xml/namespaced-xml.js';
import { NS, type SimWsdModel } from './device-model.js';

const WSD_GROUP = '239.255.255.250';
const WSD_PORT = 3702;

/** Options of the responder. */
export interface ResponderOptions {
  /** Join the multicast group on this interface address (port 3702); otherwise bind 127.0.0.1:`port`. */
  multicastInterface?: string;
  port?: number;
  /** Answer Probe without XAddrs (the client must Resolve). */
  omitXAddrsInProbeMatches?: boolean;
  /** Datagram copies sent per message (SOAP-over-UDP repeats). */
  copies?: number;
}

/** A device's discovery responder. */
export class DiscoveryResponder {
  readonly probes: string[] = [];
  readonly resolves: string[] = [];
  private sequence = 0;
  private readonly instanceId = Math.floor(Date.now() / 1000);

  private constructor(
    private readonly socket: Socket,
    private readonly model: SimWsdModel,
    private readonly xaddr: () => string,
    private readonly options: ResponderOptions,
  ) {}

  /** Starts answering for `model`, whose metadata is served at `xaddr()`. */
  static async start(model: SimWsdModel, xaddr: () => string, options: ResponderOptions = {}): Promise<DiscoveryResponder> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    const responder = new DiscoveryResponder(socket, model, xaddr, options);
    socket.on('message', (msg, rinfo) => responder.onDatagram(msg.toString('utf8'), rinfo.address, rinfo.port));
    await new Promise<void>((resolve) => {
      if (options.multicastInterface) socket.bind(WSD_PORT, resolve);
      else socket.bind(options.port ?? 0, '127.0.0.1', resolve);
    });
    if (options.multicastInterface) socket.addMembership(WSD_GROUP, options.multicastInterface);
    return responder;
  }

  /** The port probes reach it on. */
  get port(): number {
    return (this.socket.address() as AddressInfo).port;
  }

  /** Announces the device (to the group, or to a given listener). */
  async hello(target?: { address: string; port: number }): Promise<void> {
    const body = `<discovery:Hello>${this.endpoint(true)}</discovery:Hello>`;
    await this.send(this.message('Hello', undefined, body), target);
  }

  /** Says goodbye. */
  async bye(target?: { address: string; port: number }): Promise<void> {
    await this.send(this.message('Bye', undefined, `<discovery:Bye><addressing:EndpointReference><addressing:Address>${this.model.endpointAddress}</addressing:Address></addressing:EndpointReference></discovery:Bye>`), target);
  }

  /** Stops listening. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private onDatagram(xml: string, address: string, port: number): void {
    let doc;
    try {
      doc = parseNsXml(xml, 'datagram');
    } catch {
      return;
    }
    const header = nsChild(doc, NS.soap, 'Header');
    const action = nsText(header, NS.wsa, 'Action') ?? '';
    const messageId = nsText(header, NS.wsa, 'MessageID');
    const body = nsChild(doc, NS.soap, 'Body')?.children[0];
    if (action === `${NS.wsd}/Probe` && body) {
      this.probes.push(xml);
      const typesEl = nsChild(body, NS.wsd, 'Types');
      const wanted = typesEl ? resolveQNames(typesEl, typesEl.text) : [];
      const mine = resolveQNames(parseNsXml(`<x xmlns:devprof="${NS.devprof}" xmlns:scan="${NS.scan}" xmlns:print="${NS.print}"/>`, 'types'), this.model.types);
      if (!wanted.every((w) => mine.some((m) => m.ns === w.ns && m.name === w.name))) return;
      const match = `<discovery:ProbeMatches><discovery:ProbeMatch>${this.endpoint(!this.options.omitXAddrsInProbeMatches)}</discovery:ProbeMatch></discovery:ProbeMatches>`;
      void this.send(this.message('ProbeMatches', messageId, match), { address, port });
    }
    if (action === `${NS.wsd}/Resolve` && body) {
      const wanted = nsText(nsChild(body, NS.wsa, 'EndpointReference'), NS.wsa, 'Address');
      if (wanted !== this.model.endpointAddress) return;
      this.resolves.push(xml);
      void this.send(this.message('ResolveMatches', messageId, `<discovery:ResolveMatches><discovery:ResolveMatch>${this.endpoint(true)}</discovery:ResolveMatch></discovery:ResolveMatches>`), { address, port });
    }
  }

  private endpoint(withXAddrs: boolean): string {
    return (
      `<addressing:EndpointReference><addressing:Address>${this.model.endpointAddress}</addressing:Address></addressing:EndpointReference>` +
      `<discovery:Types>${this.model.types}</discovery:Types>` +
      (withXAddrs ? `<discovery:XAddrs>${this.xaddr()}</discovery:XAddrs>` : '') +
      `<discovery:MetadataVersion>${this.model.metadataVersion}</discovery:MetadataVersion>`
    );
  }

  private message(action: string, relatesTo: string | undefined, body: string): string {
    this.sequence += 1;
    return (
      `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="${NS.soap}" xmlns:addressing="${NS.wsa}" xmlns:discovery="${NS.wsd}" xmlns:devprof="${NS.devprof}" xmlns:scan="${NS.scan}" xmlns:print="${NS.print}">` +
      `<SOAP-ENV:Header><addressing:MessageID>urn:uuid:${crypto.randomUUID()}</addressing:MessageID>` +
      (relatesTo ? `<addressing:RelatesTo>${relatesTo}</addressing:RelatesTo><addressing:To>${NS.wsa}/role/anonymous</addressing:To>` : '<addressing:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</addressing:To>') +
      `<addressing:Action>${NS.wsd}/${action}</addressing:Action>` +
      `<discovery:AppSequence InstanceId="${this.instanceId}" MessageNumber="${this.sequence}"/></SOAP-ENV:Header>` +
      `<SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`
    );
  }

  private async send(xml: string, target?: { address: string; port: number }): Promise<void> {
    const to = target ?? { address: WSD_GROUP, port: WSD_PORT };
    for (let copy = 0; copy < (this.options.copies ?? 2); copy += 1) {
      await new Promise<void>((resolve) => this.socket.send(xml, to.port, to.address, () => resolve()));
    }
  }
}
