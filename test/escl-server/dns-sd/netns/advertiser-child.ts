/**
 * Runs the DNS-SD advertiser with its production defaults (port 5353, every multicast
 * interface, the machine's host name) for tests inside a network namespace. Commands come
 * as JSON lines on stdin (`{"op":"publish","advert":{…}}`, `{"op":"withdraw","scannerId":…}`,
 * `{"op":"stop"}`); every log line goes to stdout as JSON.
 */
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import type { EsclAdvert } from '../../../../src/escl-server/advert.js';
import { createDnsSdAdvertiser } from '../../../../src/escl-server/dns-sd/dns-sd-advertiser.js';

const logger = pino({ level: 'debug' }, { write: (line: string) => void process.stdout.write(line) });
const advertiser = createDnsSdAdvertiser({ logger, interfaceCheckMs: 500 });
advertiser.start();

type Command = { op: 'publish'; advert: EsclAdvert } | { op: 'withdraw'; scannerId: string } | { op: 'stop' };

const stop = async (): Promise<void> => {
  await advertiser.stop();
  logger.info('child stopped');
  process.exit(0);
};

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line) as Command;
  if (command.op === 'publish') advertiser.publish(command.advert);
  if (command.op === 'withdraw') advertiser.withdraw(command.scannerId);
  if (command.op === 'stop') await stop();
}
