/**
 * The DNS-SD resource records of shared scanners on one link (RFC 6763 §4–6, RFC 6762 §10).
 * Pure: the advertiser decides which to send, when and where.
 */

/** The mDNS domain. */
export const MDNS_DOMAIN = 'local';
/** TTL of records naming a host or a port (RFC 6762 §10: 120 s). */
export const HOST_RECORD_TTL_S = 120;
/** TTL of the other records (RFC 6762 §10: 75 minutes). */
export const OTHER_RECORD_TTL_S = 4500;
/** The DNS-SD meta-query name that lists service types (RFC 6763 §9). */
export const SERVICE_TYPES_NAME = `_services._dns-sd._udp.${MDNS_DOMAIN}`;

/** One resource record in the shape multicast-dns (dns-packet) encodes. */
export type MdnsRecord =
  | { name: string; type: 'PTR'; ttl: number; data: string; flush?: false }
  | { name: string; type: 'SRV'; ttl: number; data: { priority: number; weight: number; port: number; target: string }; flush?: boolean }
  | { name: string; type: 'TXT'; ttl: number; data: Buffer[]; flush?: boolean }
  | { name: string; type: 'A' | 'AAAA'; ttl: number; data: string; flush?: boolean };

/** The record types a question may ask for that this responder knows. */
export type MdnsRecordType = MdnsRecord['type'];

/** One service instance to describe. */
export interface ServiceInstance {
  /** Instance label (one DNS label, at most 63 bytes). */
  label: string;
  /** `_uscan._tcp` or `_uscans._tcp`. */
  serviceType: string;
  /** The SRV target, a host name under `.local`. */
  host: string;
  port: number;
  txt: Buffer[];
}

/** The service type for an advert served over TLS or not. */
export function esclServiceType(secure: boolean): string {
  return secure ? '_uscans._tcp' : '_uscan._tcp';
}

/**
 * The service types one advert is published under: `_uscan._tcp` always, plus `_uscans._tcp` when
 * the port also speaks TLS (the server tells the two apart by the first byte), so clients that
 * know only plain eSCL still find it.
 */
export function esclServiceTypes(secure: boolean): Array<{ type: string; scheme: 'http' | 'https' }> {
  const plain = { type: esclServiceType(false), scheme: 'http' as const };
  return secure ? [plain, { type: esclServiceType(true), scheme: 'https' as const }] : [plain];
}

/** `label._uscan._tcp.local`. */
export function instanceFqdn(label: string, serviceType: string): string {
  return `${label}.${serviceType}.${MDNS_DOMAIN}`;
}

/**
 * PTR (browse), SRV, TXT and the service-type PTR of one instance. SRV and TXT are unique
 * to this responder, so they carry the cache-flush bit: a changed port or TXT replaces the
 * old one in clients' caches at once (RFC 6762 §10.2); PTRs are shared and never do.
 */
export function serviceRecords(instance: ServiceInstance): MdnsRecord[] {
  const fqdn = instanceFqdn(instance.label, instance.serviceType);
  const typeName = `${instance.serviceType}.${MDNS_DOMAIN}`;
  return [
    { name: typeName, type: 'PTR', ttl: OTHER_RECORD_TTL_S, data: fqdn },
    { name: fqdn, type: 'SRV', ttl: HOST_RECORD_TTL_S, data: { priority: 0, weight: 0, port: instance.port, target: instance.host }, flush: true },
    { name: fqdn, type: 'TXT', ttl: OTHER_RECORD_TTL_S, data: instance.txt, flush: true },
    { name: SERVICE_TYPES_NAME, type: 'PTR', ttl: OTHER_RECORD_TTL_S, data: typeName },
  ];
}

/** The A and AAAA records of the advertising host on one link (its addresses there only). */
export function hostRecords(host: string, addresses: { ipv4: readonly string[]; ipv6: readonly string[] }): MdnsRecord[] {
  return [
    ...addresses.ipv4.map((data): MdnsRecord => ({ name: host, type: 'A', ttl: HOST_RECORD_TTL_S, data, flush: true })),
    ...addresses.ipv6.map((data): MdnsRecord => ({ name: host, type: 'AAAA', ttl: HOST_RECORD_TTL_S, data, flush: true })),
  ];
}

/** Identity of a record (name, type, data), TTL and flush bit aside: what a goodbye withdraws. */
export function recordKey(record: MdnsRecord): string {
  const data = record.type === 'TXT' ? record.data.map((b) => b.toString('hex')).join('.') : JSON.stringify(record.data);
  return `${record.name.toLowerCase()}|${record.type}|${data}`;
}

/** The same records with TTL 0: a goodbye (RFC 6762 §10.1). The flush bit is cleared, as goodbyes never flush. */
export function goodbyes(records: readonly MdnsRecord[]): MdnsRecord[] {
  return records.map((r) => ({ ...r, ttl: 0, flush: false }) as MdnsRecord);
}

/** Records without duplicates (the service-type PTR repeats per instance), first kept. */
export function uniqueRecords(records: readonly MdnsRecord[]): MdnsRecord[] {
  const seen = new Map<string, MdnsRecord>();
  for (const r of records) if (!seen.has(recordKey(r))) seen.set(recordKey(r), r);
  return [...seen.values()];
}

/** Bytes a record takes on the wire, without name compression (dns-packet does not compress). */
export function recordWireBytes(record: MdnsRecord): number {
  const fixed = nameWireBytes(record.name) + 10;
  switch (record.type) {
    case 'A':
      return fixed + 4;
    case 'AAAA':
      return fixed + 16;
    case 'PTR':
      return fixed + nameWireBytes(record.data);
    case 'SRV':
      return fixed + 6 + nameWireBytes(record.data.target);
    case 'TXT':
      return fixed + record.data.reduce((sum, b) => sum + 1 + b.length, 0);
  }
}

function nameWireBytes(name: string): number {
  return Buffer.byteLength(name.replace(/\.$/, '')) + 2;
}
