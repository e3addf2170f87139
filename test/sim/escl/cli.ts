/**
 * Starts an eSCL simulator from the command line and prints its base URL on
 * the first line of stdout, for benchmarks and for discovery tests that run
 * it in another network namespace:
 *   npx tsx test/sim/escl/cli.ts --port 18099 --adf-pages 10 --announce "Sim Scanner"
 * Stops cleanly (goodbyes, sockets closed) on SIGINT/SIGTERM or when stdin closes with --stdin-stop.
 */
import { parseArgs } from 'node:util';
import { announceEscl, esclTxtFor, type AnnouncementHandle } from './announce.js';
import type { EmptyFeederAnswer } from './device-model.js';
import type { LocationStyle } from './location.js';
import type { SimImageKind } from './page-render.js';
import { EsclSimulator } from './simulator.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    'base-path': { type: 'string' },
    https: { type: 'boolean' },
    'adf-pages': { type: 'string' },
    capabilities: { type: 'string' },
    'location-style': { type: 'string' },
    'page-delay-ms': { type: 'string' },
    'image-kind': { type: 'string' },
    'empty-feeder-answer': { type: 'string' },
    uuid: { type: 'string' },
    'make-and-model': { type: 'string' },
    announce: { type: 'string' },
    'announce-host': { type: 'string' },
    'stdin-stop': { type: 'boolean' },
  },
  strict: true,
});

const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));

const simulator = new EsclSimulator({
  host: values.host,
  port: number(values.port),
  basePath: values['base-path'],
  https: values.https,
  adfPages: number(values['adf-pages']),
  capabilitiesFixture: values.capabilities,
  locationStyle: values['location-style'] as LocationStyle | undefined,
  pageDelayMs: number(values['page-delay-ms']),
  imageKind: values['image-kind'] as SimImageKind | undefined,
  emptyFeederAnswer: number(values['empty-feeder-answer']) as EmptyFeederAnswer | undefined,
  uuid: values.uuid,
  makeAndModel: values['make-and-model'],
});

await simulator.start();
let announcement: AnnouncementHandle | undefined;
if (values.announce !== undefined) {
  announcement = await announceEscl({
    name: values.announce,
    port: simulator.port,
    secure: values.https,
    host: values['announce-host'],
    txt: {
      ...esclTxtFor(simulator.capabilities),
      ty: simulator.makeAndModel,
      UUID: simulator.uuid,
      rs: (values['base-path'] ?? '/eSCL').replace(/^\/+|\/+$/g, ''),
      adminurl: simulator.baseUrl,
      representation: simulator.iconUrl,
    },
  });
}
process.stdout.write(`${simulator.baseUrl}\n`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await announcement?.stop();
  await simulator.stop();
  process.stdout.write('stopped\n');
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
if (values['stdin-stop']) {
  process.stdin.resume();
  process.stdin.once('end', () => void shutdown());
}
