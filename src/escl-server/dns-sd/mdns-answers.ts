/**
 * What a responder answers to an mDNS query from the records it holds (RFC 6762 §6, RFC
 * 6763 §12), split into packets that fit one Ethernet frame. Pure.
 */
import { recordKey, recordWireBytes, uniqueRecords, type MdnsRecord } from './dns-sd-records.js';

/** Payload budget of one response: a 1500-byte MTU less IPv6 (40) and UDP (8) headers and the DNS header (12). */
export const MAX_RESPONSE_BYTES = 1440;
/** TTL cap for answers to legacy unicast queries (RFC 6762 §6.7). */
export const LEGACY_UNICAST_TTL_S = 10;

/** One question as multicast-dns decodes it. */
export interface MdnsQuestion {
  name: string;
  type: string;
}

/** One response packet's sections. */
export interface MdnsResponse {
  answers: MdnsRecord[];
  additionals: MdnsRecord[];
}

/**
 * The responses to `questions`: each answer with the additional records a client needs next
 * (a PTR's SRV and TXT, an SRV's addresses), packed into as few packets as fit.
 */
export function answerQuestions(questions: readonly MdnsQuestion[], records: readonly MdnsRecord[]): MdnsResponse[] {
  const answers = uniqueRecords(questions.flatMap((q) => records.filter((r) => matches(r, q))));
  const groups = answers.map((answer) => ({ answer, extra: additionalsFor(answer, records) }));
  const packets: MdnsResponse[] = [];
  let current: MdnsResponse = { answers: [], additionals: [] };
  let bytes = 0;
  for (const { answer, extra } of groups) {
    const size = recordWireBytes(answer) + extra.reduce((sum, r) => sum + recordWireBytes(r), 0);
    if (current.answers.length > 0 && bytes + size > MAX_RESPONSE_BYTES) {
      packets.push(current);
      current = { answers: [], additionals: [] };
      bytes = 0;
    }
    current.answers.push(answer);
    current.additionals.push(...extra);
    bytes += size;
  }
  if (current.answers.length > 0) packets.push(current);
  return packets.map(finish);
}

/** Records split into packets of at most MAX_RESPONSE_BYTES, for announcements and goodbyes. */
export function packRecords(records: readonly MdnsRecord[]): MdnsRecord[][] {
  const packets: MdnsRecord[][] = [];
  let current: MdnsRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordWireBytes(record);
    if (current.length > 0 && bytes + size > MAX_RESPONSE_BYTES) {
      packets.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) packets.push(current);
  return packets;
}

/** The answers of a legacy unicast reply: no cache-flush bit, short TTLs (RFC 6762 §6.7). */
export function forLegacyUnicast(records: readonly MdnsRecord[]): MdnsRecord[] {
  return records.map((r) => ({ ...r, flush: false, ttl: Math.min(r.ttl, LEGACY_UNICAST_TTL_S) }) as MdnsRecord);
}

function matches(record: MdnsRecord, question: MdnsQuestion): boolean {
  return sameName(record.name, question.name) && (question.type === 'ANY' || question.type === record.type);
}

function additionalsFor(answer: MdnsRecord, records: readonly MdnsRecord[]): MdnsRecord[] {
  const named = (name: string, ...types: string[]) => records.filter((r) => sameName(r.name, name) && types.includes(r.type));
  if (answer.type === 'PTR') {
    const target = answer.data;
    const service = named(target, 'SRV', 'TXT');
    const hosts = service.flatMap((r) => (r.type === 'SRV' ? named(r.data.target, 'A', 'AAAA') : []));
    return [...service, ...hosts];
  }
  if (answer.type === 'SRV') return named(answer.data.target, 'A', 'AAAA');
  return [];
}

/** No record twice in one packet, and none repeated in additionals that is already an answer. */
function finish(response: MdnsResponse): MdnsResponse {
  const answers = uniqueRecords(response.answers);
  const answered = new Set(answers.map(recordKey));
  const additionals = uniqueRecords(response.additionals.filter((r) => !answered.has(recordKey(r))));
  return { answers, additionals };
}

function sameName(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/\.$/, '').replace(/[A-Z]/g, (c) => c.toLowerCase());
  return norm(a) === norm(b);
}
