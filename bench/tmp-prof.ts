import { mkdtemp } from 'node:fs/promises';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { connectProbe } from '../test/helpers/mqtt-probe.js';
import { startSaned } from '../test/sim/saned/saned.js';
import { peakRssMiB, resetPeakRss, rssMiB, startBenchGateway, stopChild } from './lib.js';
const saned = await startSaned({ testConf: 'test-picture "Color pattern"' });
const broker = await startMosquitto();
const data = await mkdtemp('/tmp/prof-data-');
const gw = await startBenchGateway({ brokerUrl: broker.url, dataFolder: data, devices: [{ name: 'Bench', protocol: 'sane', url: `sane://${saned.host}:${saned.port}/test:0`, friendly_name: 'bench' }], nodeArgs: process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [], env: { SCAN2MQTT_LOG_LEVEL: process.env.LL ?? 'info', ...(process.env.ARENA ? { MALLOC_ARENA_MAX: process.env.ARENA } : {}) } });
const probe = await connectProbe(broker.url);
await probe.waitFor('scan2mqtt/bench/availability', (m) => m.text() === 'online', 30_000);
const format = process.env.FMT ?? 'jpeg';
for (let i = 0; i < 4; i++) {
  const jobs = await probe.collect('scan2mqtt/bench/job');
  const before = rssMiB(gw.child.pid); resetPeakRss(gw.child.pid);
  const t0 = performance.now();
  await probe.publish('scan2mqtt/bench/scan', JSON.stringify({ source: 'platen', resolution: Number(process.env.DPI ?? 600), color_mode: 'color', format, region: { x: 0, y: 0, width: Number(process.env.W ?? 210), height: Number(process.env.W ?? 297) } }));
  await jobs.next((m) => ['done', 'failed'].includes(JSON.parse(m.text()).state), 60000);
  const t = performance.now() - t0;
  const atDone = peakRssMiB(gw.child.pid);
  await new Promise((r) => setTimeout(r, 1500));
  console.log('job', t.toFixed(0), 'ms; rss before', before.toFixed(0), 'peak at done', atDone.toFixed(0), 'peak after preview', peakRssMiB(gw.child.pid).toFixed(0));
  await jobs.stop();
}
await probe.close(); await stopChild(gw.child); await saned.stop(); await broker.stop();
if (process.env.LL) console.log(gw.output().split('\n').slice(-60).map((l) => { try { const j = JSON.parse(l); return j.time + ' ' + j.msg + ' ' + (j.component ?? '') + ' ' + (j.ms ?? ''); } catch { return l.slice(0, 100); } }).join('\n'));
