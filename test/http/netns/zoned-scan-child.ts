/**
 * Runs inside a private network namespace whose loopback carries fe80::5: an eSCL simulator on that
 * link-local address, and the gateway's eSCL driver reaching it by a zoned URL, once with the interface
 * name and once with its index (how mDNS discovery records the link). Prints one JSON line.
 */
import { networkInterfaces } from 'node:os';
import pino from 'pino';
import { createEsclDriver } from '../../../src/protocols/escl/driver.js';
import { EsclSimulator } from '../../sim/escl/index.js';

const ADDRESS = 'fe80::5';
const sim = new EsclSimulator({ host: `${ADDRESS}%lo` });
await sim.start();
const index = networkInterfaces().lo?.find((i) => i.family === 'IPv6' && i.address === ADDRESS)?.scopeid;
const results: Record<string, unknown> = { index };
for (const zone of ['lo', String(index)]) {
  const driver = createEsclDriver({ baseUrl: `http://[${ADDRESS}%25${zone}]:${sim.port}/eSCL/`, deviceLabel: `zone ${zone}`, logger: pino({ level: 'silent' }) });
  try {
    const caps = await driver.getCapabilities();
    const status = await driver.getStatus();
    results[zone] = { model: caps.model, status: status.state };
  } catch (error) {
    results[zone] = { error: (error as Error).message };
  } finally {
    await driver.close();
  }
}
results.hosts = sim.requests.map((r) => r.headers.host).filter((h, i, all) => all.indexOf(h) === i);
console.log(JSON.stringify(results));
await sim.stop();
