/**
 * Turns what mDNS and WS-Discovery heard into the report: one line per interface, and a
 * problem when a discovery that is switched on heard nobody on any interface (multicast
 * blocked, e.g. a container without host networking, or nobody there to find).
 */
import type { LinkAnswers } from './mdns-check.js';
import type { WsdAnswers } from './wsd-check.js';
import type { CheckResult } from './check-result.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** mDNS results: per link, then the verdict. */
export function mdnsResults(links: readonly LinkAnswers[]): CheckResult[] {
  const out: CheckResult[] = links.map((l) => {
    const subject = `mDNS on ${l.link}`;
    if (l.error && l.responders.length === 0) return { area: 'multicast', subject, status: 'note', message: `query not sent: ${l.error}` };
    if (l.responders.length === 0) return { area: 'multicast', subject, status: 'note', message: 'no other host answered' };
    const scanners = l.scanners.length > 0 ? `; scanner services: ${l.scanners.join(', ')}` : '; no scanner services announced';
    return { area: 'multicast', subject, status: 'ok', message: `answered by ${plural(l.responders.length, 'host')}${scanners}` };
  });
  if (!links.some((l) => l.responders.length > 0)) {
    out.push({
      area: 'multicast',
      subject: 'mDNS',
      status: 'problem',
      message: links.length === 0 ? 'no network interface can multicast' : 'no host answered an mDNS query on any interface, so eSCL scanners and saned hosts cannot be found',
      fix: 'run the gateway on the scanners\' network with host networking (Docker: network_mode: host; Home Assistant: the add-on does), allow UDP 5353 in the firewall, or list the scanners by hand (devices) and set discovery.mdns=false',
    });
  }
  return out;
}

/** WS-Discovery results: per interface that answered, then the verdict. */
export function wsdResults(answers: WsdAnswers): CheckResult[] {
  const out: CheckResult[] = [];
  for (const [iface, responders] of answers.responders) {
    const scanners = answers.scanners.get(iface)?.length ?? 0;
    out.push({ area: 'multicast', subject: `WS-Discovery on ${iface}`, status: 'ok', message: `answered by ${plural(responders.length, 'device')} (${plural(scanners, 'possible scanner')})` });
  }
  if (answers.responders.size === 0) {
    out.push({
      area: 'multicast',
      subject: 'WS-Discovery',
      status: 'problem',
      message: 'no device answered a WS-Discovery probe on any interface, so WSD scanners cannot be found',
      fix: 'allow UDP 3702 (multicast 239.255.255.250) in the firewall and use host networking; if you have no WSD scanner, set discovery.wsd=false (SCAN2MQTT_DISCOVERY_WSD=false)',
    });
  }
  return out;
}
