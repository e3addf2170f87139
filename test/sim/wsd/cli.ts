/**
 * Starts a WSD simulator from the command line and prints its scan service URL on the first
 * line of stdout, for discovery tests that run it inside a device network namespace and for
 * benchmarks:
 *   npx tsx test/sim/wsd/cli.ts --host 198.51.100.1 --port 5358 --uuid <uuid> --multicast --hello
 * With --multicast its discovery responder joins 239.255.255.250:3702 on the host's interface;
 * SIGTERM/SIGINT say Bye first (with --multicast), then stop.
 */
import { parseArgs } from 'node:util';
import { DiscoveryResponder } from './discovery-responder.js';
import { WsdSimulator } from './simulator.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    uuid: { type: 'string' },
    manufacturer: { type: 'string' },
    model: { type: 'string' },
    'adf-sheets': { type: 'string' },
    multicast: { type: 'boolean' },
    hello: { type: 'boolean' },
  },
  strict: true,
});

const sim = await WsdSimulator.start({
  ...(values.host ? { host: values.host } : {}),
  ...(values.port ? { port: Number(values.port) } : {}),
  ...(values['adf-sheets'] ? { adfSheets: Number(values['adf-sheets']) } : {}),
  model: {
    ...(values.uuid ? { endpointAddress: `urn:uuid:${values.uuid}` } : {}),
    ...(values.manufacturer ? { manufacturer: values.manufacturer } : {}),
    ...(values.model ? { model: values.model } : {}),
  },
});
const responder = values.multicast ? await DiscoveryResponder.start(sim.model, () => sim.xaddr, { multicastInterface: values.host ?? '127.0.0.1' }) : undefined;
if (values.hello) await responder?.hello();
process.stdout.write(`${sim.scanUrl}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await responder?.bye();
  await responder?.close();
  await sim.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
