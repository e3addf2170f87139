/**
 * A hostile neighbour for multicast tests, run inside a device namespace:
 *   node --import tsx test/sim/hostile/multicast-noise.ts <address>
 * It answers every WS-Discovery datagram on 239.255.255.250:3702 with garbage, a ProbeMatches
 * that relates to no probe, and an oversized datagram; and every mDNS query on 224.0.0.251:5353
 * with bytes that are no DNS message. Listeners must count none of it as an answer.
 */
import { createSocket } from 'node:dgram';

const address = process.argv[2];
if (!address) throw new Error('usage: multicast-noise.ts <interface address>');
const MAX_UDP = 65_507;

const unrelatedMatches = `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">
<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action>
<a:MessageID>urn:uuid:00000000-0000-4000-8000-000000000bad</a:MessageID>
<a:RelatesTo>urn:uuid:00000000-0000-4000-8000-00000000dead</a:RelatesTo></s:Header>
<s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:00000000-0000-4000-8000-000000000001</a:Address></a:EndpointReference>
<d:XAddrs>http://${address}:5357/</d:XAddrs></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`;

const wsd = createSocket({ type: 'udp4', reuseAddr: true });
wsd.on('message', (_msg, from) => {
  for (const reply of [Buffer.from('<not<xml'), Buffer.from(unrelatedMatches), Buffer.alloc(MAX_UDP, 0x3c)]) wsd.send(reply, from.port, from.address);
});
wsd.bind(3702, () => wsd.addMembership('239.255.255.250', address));

const mdns = createSocket({ type: 'udp4', reuseAddr: true });
mdns.on('message', (_msg, from) => {
  if (from.address === address) return; // its own noise
  mdns.send(Buffer.from([0x00, 0x00, 0x84, 0x00, 0xff, 0xff, 0xff, 0xff]), 5353, '224.0.0.251');
  mdns.send(Buffer.from('no dns at all'), from.port, from.address);
});
mdns.bind(5353, () => {
  mdns.addMembership('224.0.0.251', address);
  mdns.setMulticastInterface(address);
  process.stdout.write('listening\n');
});
