import { describe, expect, it } from 'vitest';
import { goodbyes, hostRecords, recordWireBytes, serviceRecords, type MdnsRecord } from '../../../src/escl-server/dns-sd/dns-sd-records.js';
import { answerQuestions, forLegacyUnicast, MAX_RESPONSE_BYTES, packRecords } from '../../../src/escl-server/dns-sd/mdns-answers.js';
import { buildEsclTxt, encodeTxt } from '../../../src/escl-server/dns-sd/escl-txt.js';
import { sampleAdvert } from './fixtures.js';

const HOST = 'gw-scan2mqtt.local';
const txt = encodeTxt(buildEsclTxt(sampleAdvert(), 'http://198.51.100.2:8091'));
const instance = (label: string, port = 8091) => serviceRecords({ label, serviceType: '_uscan._tcp', host: HOST, port, txt });
const hosts = hostRecords(HOST, { ipv4: ['198.51.100.2'], ipv6: ['fe80::1'] });
const records: MdnsRecord[] = [...instance('Office Lide'), ...hosts];

describe('mDNS answers', () => {
  it('a browse (PTR) query gets the instance with its SRV, TXT and both address families as additionals', () => {
    const [response, ...more] = answerQuestions([{ name: '_uscan._tcp.local', type: 'PTR' }], records);
    expect(more).toEqual([]);
    expect(response!.answers.map((r) => [r.type, r.data])).toEqual([['PTR', 'Office Lide._uscan._tcp.local']]);
    expect(response!.additionals.map((r) => r.type).sort()).toEqual(['A', 'AAAA', 'SRV', 'TXT']);
  });

  it('names compare case-insensitively; ANY returns every record of the name; unknown names get nothing', () => {
    expect(answerQuestions([{ name: 'OFFICE LIDE._USCAN._TCP.LOCAL', type: 'ANY' }], records)[0]!.answers.map((r) => r.type).sort()).toEqual(['SRV', 'TXT']);
    expect(answerQuestions([{ name: HOST, type: 'AAAA' }], records)[0]!.answers.map((r) => r.data)).toEqual(['fe80::1']);
    expect(answerQuestions([{ name: 'nobody.local', type: 'ANY' }, { name: '_uscan._tcp.local', type: 'SRV' }], records)).toEqual([]);
  });

  it('the service type meta-query lists _uscan once however many instances', () => {
    const many = [...instance('A'), ...instance('B', 8092), ...hosts];
    const [response] = answerQuestions([{ name: '_services._dns-sd._udp.local', type: 'PTR' }], many.concat(many));
    expect(response!.answers.map((r) => r.data)).toEqual(['_uscan._tcp.local']);
  });

  it('bound: many instances are split into packets within the frame budget, no answer lost', () => {
    const many = [...Array.from({ length: 60 }, (_, i) => instance(`Scanner ${i}`, 9000 + i)).flat(), ...hosts];
    const responses = answerQuestions([{ name: '_uscan._tcp.local', type: 'PTR' }], many);
    expect(responses.length).toBeGreaterThan(1);
    expect(responses.flatMap((r) => r.answers)).toHaveLength(60);
    for (const r of responses) expect([...r.answers, ...r.additionals].reduce((n, x) => n + recordWireBytes(x), 0)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    const packets = packRecords(many);
    expect(packets.flat()).toHaveLength(many.length);
    for (const p of packets) expect(p.reduce((n, x) => n + recordWireBytes(x), 0)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
  });

  it('goodbyes carry TTL 0 and no cache-flush; legacy unicast answers cap the TTL at 10 s', () => {
    expect(goodbyes(records).every((r) => r.ttl === 0 && r.flush === false)).toBe(true);
    expect(forLegacyUnicast(records).every((r) => r.ttl <= 10 && !r.flush)).toBe(true);
    expect(records.find((r) => r.type === 'SRV')?.flush).toBe(true);
    expect(records.find((r) => r.type === 'PTR')?.flush).toBeFalsy();
  });
});
