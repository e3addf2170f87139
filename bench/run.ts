/** `npm run bench`: runs every benchmark and prints its figures. Traffic stays on loopback. */
import { benchDocuments } from './documents.js';
import { benchEscl } from './escl.js';
import { benchFrontend } from './frontend.js';
import { benchHomeAssistant } from './homeassistant.js';
import { benchSane } from './sane.js';
import { benchStartup } from './startup.js';
import { benchWsd } from './wsd.js';

const benches: [string, () => Promise<void>][] = [['eSCL', benchEscl], ['WSD', benchWsd], ['SANE', benchSane], ['homeassistant', benchHomeAssistant], ['documents', benchDocuments], ['startup', benchStartup], ['frontend', benchFrontend]];
const only = process.argv[2];

console.log(`scan2mqtt benchmarks — node ${process.version}, ${new Date().toISOString()}`);
for (const [name, run] of benches) {
  if (only && only.toLowerCase() !== name.toLowerCase()) continue;
  console.log(`\n## ${name}`);
  await run();
}
