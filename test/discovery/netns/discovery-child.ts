/**
 * Runs mDNS discovery with its production defaults (port 5353, every interface) and prints
 * one JSON line per event, for tests that run it inside a network namespace.
 */
import { pino } from 'pino';
import { createMdnsDiscovery } from '../../../src/discovery/mdns/mdns-discovery.js';
import { esclMdnsServices } from '../../../src/protocols/escl/module.js';

const print = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const logger = pino({ level: 'debug' }, { write: (line: string) => print({ event: 'log', ...(JSON.parse(line) as object) }) });
const discovery = createMdnsDiscovery({
  logger,
  services: esclMdnsServices,
  queryIntervalMs: 500,
});
process.on('SIGTERM', () => void discovery.stop().then(() => process.exit(0)));
discovery.start({
  found: (finding) => print({ event: 'finding', finding }),
  goodbye: (key, _source, url) => print({ event: 'goodbye', key, url }),
});
